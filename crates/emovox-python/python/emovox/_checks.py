"""Argument checks shared by the librosa-compatible functions.

emovox implements a subset of librosa's options. Every argument is either implemented exactly,
or refused here with a ``ValueError`` that names it: nothing is silently ignored.
"""

from __future__ import annotations

import math
import numbers
import sys
from typing import Any, Callable, Dict, Mapping, TypeVar

import numpy as np

from . import _emovox


def refuse_unknown(function: str, kwargs: Mapping[str, Any], known: Mapping[str, Any]) -> Dict[str, Any]:
    """Returns ``known`` updated by ``kwargs``; a keyword not in ``known`` is a ValueError."""
    unknown = sorted(set(kwargs) - set(known))
    if unknown:
        names = ", ".join(repr(name) for name in unknown)
        others = f"{', '.join(sorted(known))} besides the named parameters" if known else "only the named parameters"
        raise ValueError(f"{function}: unsupported argument(s) {names}: emovox implements {others}")
    merged = dict(known)
    merged.update(kwargs)
    return merged


def require(function: str, name: str, value: Any, supported: Any) -> None:
    """Refuses ``value`` for argument ``name`` unless it equals ``supported`` (a bool, a number,
    a string or None)."""
    if isinstance(supported, bool):
        same = isinstance(value, (bool, np.bool_)) and bool(value) == supported
    elif isinstance(supported, numbers.Real):
        same = isinstance(value, numbers.Real) and not isinstance(value, bool) and value == supported
    elif supported is None:
        same = value is None
    else:
        same = isinstance(value, str) and value == supported
    if not same:
        raise ValueError(
            f"{function}: unsupported argument {name}={value!r}: emovox implements only "
            f"{name}={supported!r}"
        )


T = TypeVar("T")


def native(function: str, call: Callable[[], T]) -> T:
    """``call()`` (a native function), its ValueError re-raised with the message starting with
    ``function``'s name, as every other error of the Python functions does."""
    try:
        return call()
    except ValueError as error:
        raise ValueError(f"{function}: {error}") from None


#: The sample rates emovox accepts (Hz), decoding, resampling, features and classifier alike.
MIN_SAMPLE_RATE: int = _emovox.MIN_SAMPLE_RATE
MAX_SAMPLE_RATE: int = _emovox.MAX_SAMPLE_RATE


def rate(function: str, name: str, value: Any) -> int:
    """A sample rate as the whole number of Hz emovox works with: a ValueError naming ``name``
    for anything else (not a number, NaN, infinite, fractional, <= 0), or a rate outside
    ``MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE`` (1000..=768000 Hz)."""
    whole = None
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        whole = int(value)
    elif isinstance(value, numbers.Real) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # e.g. a Fraction beyond float's range
            number = math.inf
        if math.isfinite(number) and number.is_integer():
            whole = int(number)
    if whole is None or whole <= 0:
        raise ValueError(f"{function}: {name}={value!r} must be a positive whole number of Hz")
    if not MIN_SAMPLE_RATE <= whole <= MAX_SAMPLE_RATE:
        raise ValueError(
            f"{function}: unsupported sample rate {name}={value!r}: emovox works with "
            f"{MIN_SAMPLE_RATE}..={MAX_SAMPLE_RATE} Hz"
        )
    return whole


def positive_int(function: str, name: str, value: Any) -> int:
    """A positive integer argument (``n_fft``, ``hop_length`` ...), at most ``sys.maxsize`` (the
    native side's size type: beyond it a ValueError, not an OverflowError)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{function}: {name}={value!r} must be a positive integer")
    whole = int(value)
    if whole > sys.maxsize:
        raise ValueError(f"{function}: {name}={value!r} is too large (at most {sys.maxsize})")
    return whole


def finite(function: str, name: str, value: Any, least: float = -math.inf, unit: str = "") -> float:
    """A finite real number ``>= least`` as a float; a ValueError naming it for anything else
    (NaN, infinities, numbers beyond float's range, strings, None, bools, complex)."""
    number = math.nan
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # an int or Fraction beyond float's range
            pass
    if not (math.isfinite(number) and number >= least):
        bound = "" if least == -math.inf else f" >= {least:g}"
        raise ValueError(f"{function}: {name}={value!r} must be a finite number{unit}{bound}")
    return number


def signal(function: str, y: Any) -> np.ndarray:
    """Audio as a C-contiguous float32 array; float32 arrays that already are pass unchanged
    (zero-copy). Non-float audio is refused, as librosa refuses it."""
    if y is None:
        raise ValueError(f"{function}: y (the audio) is required")
    array = np.asarray(y)
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"{function}: audio data must be floating-point, got dtype {array.dtype}")
    if array.ndim == 0:
        raise ValueError(f"{function}: audio must have at least one dimension, got a scalar")
    return np.ascontiguousarray(array, dtype=np.float32)


def mono(function: str, y: Any) -> np.ndarray:
    """Mono audio (shape ``(n,)``) as :func:`signal` gives it; a ValueError for any other shape."""
    samples = signal(function, y)
    if samples.ndim != 1:
        raise ValueError(f"{function}: expected mono audio of shape (n,), got shape {samples.shape}")
    return samples


def result_dtype(y: Any) -> np.dtype:
    """The float dtype librosa returns for input ``y``: float64 stays float64, else float32."""
    return np.dtype(np.float64) if np.asarray(y).dtype == np.float64 else np.dtype(np.float32)


def per_channel(y: np.ndarray, compute) -> np.ndarray:
    """Applies ``compute`` to every 1-D signal of ``y`` (shape (..., n)); shape (..., d, t)."""
    if y.ndim == 1:
        return compute(y)
    flat = y.reshape(-1, y.shape[-1])
    results = [compute(np.ascontiguousarray(channel)) for channel in flat]
    stacked = np.stack(results)
    return stacked.reshape(y.shape[:-1] + stacked.shape[1:])
