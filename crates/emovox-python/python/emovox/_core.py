"""``emovox.load`` and ``emovox.power_to_db``, with librosa's signatures."""

from __future__ import annotations

import io
import os
import warnings
from typing import Any, Callable, Optional, Tuple, Union

import numpy as np

from . import _checks
from . import _emovox


def load(
    path: Any,
    *,
    sr: Optional[float] = 22050,
    mono: bool = True,
    offset: float = 0.0,
    duration: Optional[float] = None,
    dtype: Any = np.float32,
    res_type: str = "soxr_hq",
) -> Tuple[np.ndarray, float]:
    """Load an audio file as a floating point time series.

    Audio will be automatically resampled to the given rate
    (default ``sr=22050``).

    To preserve the native sampling rate of the file, use ``sr=None``.

    Same signature and result as ``librosa.load`` (librosa 0.11). Every format
    emovox decodes is read, told from the file's content (never its name):
    WAV (PCM 8/16/24/32-bit, float 32/64, G.711 A-law and mu-law, IMA and MS ADPCM), FLAC,
    MP3, OGG Vorbis, OGG Opus, WebM and Matroska (Opus, Vorbis, AAC, FLAC, MP3, PCM),
    M4A/MP4 (AAC-LC, ALAC), AIFF, CAF, raw AAC (ADTS) and AMR-NB/WB. Samples equal soundfile's (integer PCM scaled by
    1 / 2**(bits - 1)); channels are averaged (``mono=True``) or kept apart.

    Parameters
    ----------
    path : string, int, pathlib.Path or file-like object
        path to the input file (``str``, ``bytes`` or ``os.PathLike``), an
        open binary file (read from its current position to the end) or an
        open file descriptor (an int, left open).
    sr : number > 0 [scalar] or None
        target sampling rate (a whole number of Hz, 1000 to 768000).
        'None' uses the native sampling rate
    mono : bool
        convert signal to mono (the channels' mean); ``False`` keeps every
        channel (a stereo call recording: one party per channel)
    offset : float >= 0
        start reading after this time (in seconds)
    duration : float >= 0 or None
        only load up to this much audio (in seconds)
    dtype : numeric type
        data type of ``y``: ``np.float32`` or ``np.float64``
    res_type : 'soxr_hq'
        librosa's default resampler. emovox resamples with its own
        Kaiser-windowed sinc designed to match soxr HQ (cut in the middle
        of its transition band) and gives librosa's output length
        (``ceil(n * sr / sr_native)``); other ``res_type`` values are
        refused. The two differ by less than 6e-4 on white noise and 2e-4
        on speech (see the tests).

    Returns
    -------
    y : np.ndarray [shape=(n,) or (..., n)]
        audio time series. Multi-channel is supported (``mono=False``:
        shape ``(channels, n)``; a mono file stays ``(n,)``).
    sr : number > 0 [scalar]
        sampling rate of ``y``: the ``sr`` given (as given, ``16000.0`` stays
        a float, as in librosa), or the file's rate (an int) for ``sr=None``

    Raises
    ------
    FileNotFoundError
        if ``path`` does not exist
    OSError
        if it cannot be read otherwise (``IsADirectoryError`` for a folder,
        ``PermissionError``, ...)
    ValueError
        for an argument emovox does not implement, a rate ``sr`` that is not a
        whole number of Hz from 1000 to 768000, or a file it cannot
        decode (the message says why: empty, truncated, corrupt, unsupported
        format or codec, ...)

    Examples
    --------
    >>> import emovox
    >>> y, sr = emovox.load("speech.wav", sr=16000)  # doctest: +SKIP
    """
    function = "load"
    if not isinstance(mono, (bool, np.bool_)):
        raise ValueError(f"{function}: mono={mono!r} must be True or False")
    _checks.require(function, "res_type", res_type, "soxr_hq")
    out_dtype = np.dtype(dtype)
    if out_dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"{function}: unsupported argument dtype={dtype!r}: emovox implements float32 and float64")
    target = None if sr is None else _checks.rate(function, "sr", sr)
    offset = _seconds(function, "offset", offset)
    duration = None if duration is None else _seconds(function, "duration", duration)
    if isinstance(path, (str, bytes, os.PathLike)):
        y, rate = _emovox.load_path(os.fsdecode(path), target, offset, duration, bool(mono))
    else:
        y, rate = _emovox.load_bytes(_content(function, path), target, offset, duration, bool(mono))
    if y.ndim == 2 and y.shape[0] == 1:
        y = y[0]  # a mono file stays one-dimensional, as in librosa
    return y.astype(out_dtype, copy=False), (rate if sr is None else sr)


def _content(function: str, path: Any) -> bytes:
    """The bytes of an open binary file (read from its current position) or of an open file
    descriptor (an int, as soundfile takes it; left open); a ValueError naming ``path`` for
    anything else."""
    if isinstance(path, (int, np.integer)) and not isinstance(path, (bool, np.bool_)):
        with open(int(path), "rb", closefd=False) as handle:
            return handle.read()
    if not hasattr(path, "read"):
        raise ValueError(
            f"{function}: unsupported path {path!r}: emovox reads a file name, a path, an open binary "
            "file or a file descriptor"
        )
    # A file opened in text mode is refused before reading audio as text.
    data = None if isinstance(path, io.TextIOBase) else path.read()
    if data is None or isinstance(data, str):
        raise ValueError(f"{function}: path {path!r} is a text file: open it in binary mode ('rb')")
    return bytes(data)


def _seconds(function: str, name: str, value: Any) -> float:
    return _checks.finite(function, name, value, least=0.0, unit=" of seconds")


def power_to_db(
    S: Any,
    *,
    ref: Union[float, Callable] = 1.0,
    amin: float = 1e-10,
    top_db: Optional[float] = 80.0,
) -> Union[np.floating, np.ndarray]:
    """Convert a power spectrogram (amplitude squared) to decibel (dB) units

    This computes the scaling ``10 * log10(S / ref)`` in a numerically
    stable way, as ``librosa.power_to_db`` (librosa 0.11) does, in Rust.

    Parameters
    ----------
    S : np.ndarray
        input power
    ref : scalar or callable
        If scalar, the amplitude ``abs(S)`` is scaled relative to ``ref``::

            10 * log10(S / ref)

        Zeros in the output correspond to positions where ``S == ref``.

        If callable, the reference value is computed as ``ref(S)``.
    amin : float > 0 [scalar]
        minimum threshold for ``abs(S)`` and ``ref``
    top_db : float >= 0 [scalar]
        threshold the output at ``top_db`` below the peak:
        ``max(10 * log10(S/ref)) - top_db``

    Returns
    -------
    S_db : np.ndarray
        ``S_db ~= 10 * log10(S) - 10 * log10(ref)``, of ``S``'s shape; float32
        for float32 (or complex64) input, float64 otherwise (long double for
        long double input), as librosa; a numpy float64 scalar for a scalar
        ``S``

    Raises
    ------
    ValueError
        if ``amin <= 0``, ``top_db`` is negative or NaN, ``S`` holds NaN or is
        float16, or ``ref`` (or what it returns) is not a scalar

    Examples
    --------
    >>> import numpy as np, emovox
    >>> emovox.power_to_db(np.array([1.0, 10.0, 100.0]))
    array([ 0., 10., 20.])
    """
    function = "power_to_db"
    array = np.asarray(S)
    if np.issubdtype(array.dtype, np.complexfloating):
        warnings.warn(
            "power_to_db was called on complex input so phase information will be discarded. "
            "To suppress this warning, call power_to_db(np.abs(D)**2) instead.",
            stacklevel=2,
        )
        array = np.abs(array)
    if not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer) or array.dtype == bool):
        raise ValueError(f"{function}: S must be numeric, got dtype {array.dtype}")
    if array.dtype == np.float16:
        raise ValueError(f"{function}: unsupported dtype float16: emovox implements float32 and float64")
    if not amin > 0:
        raise ValueError(f"{function}: amin must be strictly positive")
    if top_db is not None and not top_db >= 0:
        raise ValueError(f"{function}: top_db must be a non-negative number, got {top_db!r}")
    if np.isnan(array).any():
        raise ValueError(f"{function}: S holds NaN")
    reference = np.asarray(ref(array) if callable(ref) else np.abs(ref))
    if reference.size != 1:
        raise ValueError(
            f"{function}: ref must be a scalar or a function returning one, got shape {reference.shape}: "
            "emovox implements one reference for the whole array"
        )
    native: Callable[..., np.ndarray]
    cast: Any
    if array.dtype.kind == "f" and array.dtype.itemsize == 4:  # float32, either byte order
        native, cast = _emovox.power_to_db_f32, np.float32
    else:
        native, cast = _emovox.power_to_db_f64, np.float64
    out = native(
        np.asarray(array, dtype=cast, order="C"),
        float(reference.reshape(())),
        float(amin),
        None if top_db is None else float(top_db),
    )
    if array.dtype == np.longdouble:
        out = out.astype(np.longdouble)  # librosa keeps long double (computed in float64 here)
    if out.ndim == 0:
        # librosa's arithmetic on a 0-d array gives a numpy scalar, float64 unless long double.
        return out[()] if array.dtype == np.longdouble else np.float64(out[()])
    return out
