"""Feature extraction, librosa-compatible: ``emovox.feature.mfcc``, ``melspectrogram``, ``delta``.

Each function has the signature and defaults of its ``librosa.feature`` namesake (librosa 0.11)
and returns an array of librosa's shape and dtype, equal to librosa's within 2e-3. What librosa
computes with a warning, emovox computes with the same warning (a ``UserWarning``): a signal
shorter than ``n_fft`` (zero-padded), mel bands that cover no FFT bin (more bands than bins,
``fmax`` above Nyquist). Arguments emovox does not implement (another window, ``center=False``,
HTK mels, ...) raise a ``ValueError`` naming them; every ``ValueError`` message starts with the
function's name.
"""

from __future__ import annotations

import warnings
from typing import Any, Optional

import numpy as np

from . import _checks
from . import _emovox

__all__ = ["mfcc", "melspectrogram", "delta"]

#: librosa's ``melspectrogram`` keywords emovox implements, with the only values it accepts
#: where that is a single value.
_STFT_DEFAULTS = {
    "n_fft": 2048,
    "hop_length": 512,
    "win_length": None,
    "window": "hann",
    "center": True,
    "pad_mode": "constant",
    "power": 2.0,
}
_MEL_DEFAULTS = {
    "n_mels": 128,
    "fmin": 0.0,
    "fmax": None,
    "htk": False,
    "norm": "slaney",
    "dtype": np.float32,
}


def _mel_settings(function: str, sr: Any, settings: dict) -> dict:
    """Checks librosa's STFT and mel keywords; returns the native functions' arguments."""
    _checks.require(function, "window", settings["window"], "hann")
    _checks.require(function, "center", settings["center"], True)
    _checks.require(function, "pad_mode", settings["pad_mode"], "constant")
    _checks.require(function, "power", settings["power"], 2.0)
    _checks.require(function, "htk", settings["htk"], False)
    _checks.require(function, "norm", settings["norm"], "slaney")
    if np.dtype(settings["dtype"]) != np.float32:
        raise ValueError(
            f"{function}: unsupported argument dtype={settings['dtype']!r}: emovox implements "
            "only dtype=numpy.float32 (the mel filterbank's type)"
        )
    n_fft = _checks.positive_int(function, "n_fft", settings["n_fft"])
    win_length = settings["win_length"]
    fmax = settings["fmax"]
    return {
        "sr": _checks.rate(function, "sr", sr),
        "n_fft": n_fft,
        "hop_length": _checks.positive_int(function, "hop_length", settings["hop_length"]),
        "win_length": n_fft if win_length is None else _checks.positive_int(function, "win_length", win_length),
        "n_mels": _checks.positive_int(function, "n_mels", settings["n_mels"]),
        "fmin": _checks.finite(function, "fmin", settings["fmin"], least=0.0),
        "fmax": None if fmax is None else _checks.finite(function, "fmax", fmax, least=0.0),
    }


#: librosa's warning (``librosa.filters.mel``) for a mel band that covers no FFT bin.
_EMPTY_FILTERS = (
    "Empty filters detected in mel frequency basis. Some channels will produce empty responses. "
    "Try increasing your sampling rate (and fmax) or reducing n_mels."
)


def _warn_like_librosa(function: str, args: dict, length: Optional[int]) -> None:
    """librosa's UserWarnings for what it computes anyway: a signal of ``length`` samples
    shorter than ``n_fft`` (librosa.stft's), then empty mel filters (librosa.filters.mel's).
    ``length`` is None for a spectrogram ``S`` (no STFT)."""
    if length is not None and args["n_fft"] > length:
        message = f"n_fft={args['n_fft']} is too large for input signal of length={length}"
        warnings.warn(message, UserWarning, stacklevel=3)
    # The plan the computation used: mel_filterbank's (hop 1, window n_fft) for S.
    hop, window = (args["hop_length"], args["win_length"]) if length is not None else (1, args["n_fft"])
    mel = (args["sr"], args["n_fft"], hop, window, args["n_mels"], args["fmin"], args["fmax"])
    if _checks.native(function, lambda: _emovox.empty_mel_filters(*mel)):
        warnings.warn(_EMPTY_FILTERS, UserWarning, stacklevel=3)


def _native_melspectrogram(function: str, args: dict):
    """The native mel power spectrogram of one channel with ``args``, errors named by
    ``function``."""
    return lambda channel: _checks.native(function, lambda: _emovox.melspectrogram(channel, **args))


def _spectrogram(function: str, S: Any, least_bins: int) -> np.ndarray:
    """``S`` as an array of shape (..., d, t) with ``d >= least_bins``, all finite; a ValueError
    naming ``S`` (and its shape) otherwise."""
    S = np.asarray(S)
    if np.issubdtype(S.dtype, np.inexact) and not np.isfinite(S).all():
        raise ValueError(f"{function}: S holds NaN or infinite values")
    if S.ndim < 2:
        raise ValueError(f"{function}: S must have shape (..., d, t) (bins by frames), got shape {S.shape}")
    if S.shape[-2] < least_bins:
        what = (
            "frequency bins: a spectrogram of n_fft-point frames has 1 + n_fft // 2 of them "
            "(librosa infers n_fft = 2 * (S.shape[-2] - 1)), so at least 2"
            if least_bins == 2
            else "mel bands"
        )
        raise ValueError(f"{function}: S of shape {S.shape} has {S.shape[-2]} {what}")
    return S


def _n_coefficients(function: str, n_mfcc: int, n_mels: int, lifter: float) -> int:
    """The MFCCs librosa returns: the first ``n_mfcc`` rows of the DCT of ``n_mels`` bands,
    i.e. ``min(n_mfcc, n_mels)``; with ``lifter > 0`` librosa weights ``n_mfcc`` rows and
    fails when there are fewer, so that is refused."""
    if n_mfcc > n_mels and lifter > 0:
        raise ValueError(
            f"{function}: n_mfcc={n_mfcc} exceeds the {n_mels} mel bands, which liftering "
            f"(lifter={lifter:g}) does not allow (librosa refuses it too): use n_mfcc <= {n_mels}"
        )
    return min(n_mfcc, n_mels)


def melspectrogram(
    *,
    y: Optional[np.ndarray] = None,
    sr: float = 22050,
    S: Optional[np.ndarray] = None,
    n_fft: int = 2048,
    hop_length: int = 512,
    win_length: Optional[int] = None,
    window: Any = "hann",
    center: bool = True,
    pad_mode: Any = "constant",
    power: float = 2.0,
    **kwargs: Any,
) -> np.ndarray:
    """Compute a mel-scaled spectrogram.

    If a spectrogram input ``S`` is provided, then it is mapped directly onto
    the mel basis by ``mel_f.dot(S)``.

    If a time-series input ``y, sr`` is provided, then its magnitude spectrogram
    ``S`` is first computed, and then mapped onto the mel scale by
    ``mel_f.dot(S**power)``.

    Same signature, defaults and result as ``librosa.feature.melspectrogram``
    (librosa 0.11), computed by emovox in Rust with the GIL released.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)] or None
        audio time-series. Multi-channel is supported.
    sr : number > 0 [scalar]
        sampling rate of ``y`` (a whole number of Hz, 1000 to 768000)
    S : np.ndarray [shape=(..., d, t)]
        power spectrogram of ``d = 1 + n_fft // 2 >= 2`` frequency bins
        (``n_fft`` is kept when ``n_fft // 2 + 1 == d``, else inferred from
        it, as librosa does)
    n_fft : int > 0 [scalar]
        length of the FFT window
    hop_length : int > 0 [scalar]
        number of samples between successive frames.
    win_length : int <= n_fft [scalar]
        Each frame of audio is windowed by a Hann window of length
        ``win_length`` and then padded with zeros to match ``n_fft``.
        If unspecified, defaults to ``win_length = n_fft``.
    window : 'hann'
        the only window emovox implements (periodic Hann)
    center : True
        frame ``t`` is centered at ``y[t * hop_length]``; ``False`` is refused
    pad_mode : 'constant'
        the signal is zero-padded at the edges; other modes are refused
    power : 2.0
        the power spectrum is used; other exponents are refused
    **kwargs : additional keyword arguments for Mel filter bank parameters
    n_mels : int > 0 [scalar]
        number of Mel bands to generate (at most 32769); bands that cover no
        FFT bin are zero (with librosa's warning)
    fmin : float >= 0 [scalar]
        lowest frequency (in Hz)
    fmax : float > fmin [scalar]
        highest frequency (in Hz).
        If `None`, use ``fmax = sr / 2.0``; above it, the top bands are
        empty (with librosa's warning)
    htk : False
        Slaney's mel scale; ``htk=True`` is refused
    norm : 'slaney'
        Slaney's area normalisation; other norms are refused
    dtype : np.float32
        data type of the filter bank

    Returns
    -------
    S : np.ndarray [shape=(..., n_mels, t)]
        Mel spectrogram, float32 (float64 for float64 input)

    Warns
    -----
    UserWarning
        where librosa warns and computes: a signal shorter than ``n_fft``
        (zero-padded at both ends, so even one sample gives a frame), mel
        filters that cover no FFT bin (``n_mels`` above the number of bins,
        ``fmax`` above Nyquist)

    Raises
    ------
    ValueError
        for an argument emovox does not implement (named in the message), or
        input emovox refuses (empty audio, non-finite samples or ``S``,
        ``fmax <= fmin``, more than 32769 mel bands, ...); the message starts
        with ``melspectrogram:``

    Examples
    --------
    >>> import numpy as np, emovox
    >>> y = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050).astype(np.float32)
    >>> emovox.feature.melspectrogram(y=y, sr=22050).shape
    (128, 44)
    """
    function = "melspectrogram"
    settings = _checks.refuse_unknown(function, kwargs, _MEL_DEFAULTS)
    settings.update(
        n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window,
        center=center, pad_mode=pad_mode, power=power,
    )
    if S is not None:
        if y is not None:
            raise ValueError(f"{function}: give y or S, not both")
        S = _spectrogram(function, S, 2)
        # As librosa: n_fft is kept when it fits S's bins (an odd n_fft too), else inferred.
        if not (isinstance(n_fft, (int, np.integer)) and n_fft // 2 + 1 == S.shape[-2]):
            settings["n_fft"] = 2 * (S.shape[-2] - 1)
        args = _mel_settings(function, sr, settings)
        mel = (args["sr"], args["n_fft"], args["n_mels"], args["fmin"], args["fmax"])
        basis = _checks.native(function, lambda: _emovox.mel_filterbank(*mel))
        _warn_like_librosa(function, args, None)
        return np.einsum("...ft,mf->...mt", S, basis, optimize=True)
    args = _mel_settings(function, sr, settings)
    samples = _checks.signal(function, y)
    if samples.size == 0:
        raise ValueError(f"{function}: the audio is empty (shape {samples.shape})")
    out = _checks.per_channel(samples, _native_melspectrogram(function, args))
    _warn_like_librosa(function, args, samples.shape[-1])
    return out.astype(_checks.result_dtype(y), copy=False)


def mfcc(
    *,
    y: Optional[np.ndarray] = None,
    sr: float = 22050,
    S: Optional[np.ndarray] = None,
    n_mfcc: int = 20,
    dct_type: int = 2,
    norm: Optional[str] = "ortho",
    lifter: float = 0,
    mel_norm: Any = "slaney",
    **kwargs: Any,
) -> np.ndarray:
    """Mel-frequency cepstral coefficients (MFCCs)

    Same signature, defaults and result as ``librosa.feature.mfcc`` (librosa
    0.11): the type-II orthonormal DCT of ``power_to_db(melspectrogram(y))``
    (``top_db=80`` over the whole input), computed by emovox in Rust with the
    GIL released.

    .. warning:: If multi-channel audio input ``y`` is provided, the MFCC
        calculation will depend on the peak loudness (in decibels) across
        all channels, as in librosa.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n,)] or None
        audio time series. Multi-channel is supported.
    sr : number > 0 [scalar]
        sampling rate of ``y`` (a whole number of Hz, 1000 to 768000)
    S : np.ndarray [shape=(..., d, t)] or None
        log-power Mel spectrogram
    n_mfcc : int > 0 [scalar]
        number of MFCCs to return; as in librosa, no more are returned than
        there are mel bands (``n_mels``, or ``S.shape[-2]``), and with
        ``lifter > 0`` a larger ``n_mfcc`` is refused (librosa fails on it)
    dct_type : 2
        DCT type-2, the only one emovox implements
    norm : 'ortho'
        the ortho-normal DCT basis, the only one emovox implements
    lifter : number >= 0
        If ``lifter>0``, apply *liftering* (cepstral filtering) to the MFCCs::

            M[n, :] <- M[n, :] * (1 + sin(pi * (n + 1) / lifter) * lifter / 2)

    mel_norm : 'slaney'
        ``norm`` argument to `melspectrogram`
    **kwargs : additional keyword arguments to `melspectrogram`
        if operating on time series input: ``n_fft``, ``hop_length``,
        ``win_length``, ``window``, ``center``, ``pad_mode``, ``power``,
        ``n_mels``, ``fmin``, ``fmax``, ``htk``, ``dtype`` (see
        `melspectrogram` for the values emovox implements)

    Returns
    -------
    M : np.ndarray [shape=(..., min(n_mfcc, n_mels), t)]
        MFCC sequence, float32 (float64 for float64 input)

    Warns
    -----
    UserWarning
        as `melspectrogram` (a signal shorter than ``n_fft``, empty mel filters)

    Raises
    ------
    ValueError
        for an argument emovox does not implement (named in the message), or
        input emovox refuses (empty audio, non-finite samples or ``S``, ...);
        the message starts with ``mfcc:``

    Examples
    --------
    The speech preset (16 kHz, 25 ms windows, 10 ms hop, 40 mels, 40 MFCC):

    >>> import numpy as np, emovox
    >>> y = np.random.default_rng(0).standard_normal(16000).astype(np.float32)
    >>> M = emovox.feature.mfcc(y=y, sr=16000, n_mfcc=40, n_fft=512,
    ...                         win_length=400, hop_length=160, n_mels=40, fmax=8000)
    >>> M.shape, M.dtype
    ((40, 101), dtype('float32'))
    """
    function = "mfcc"
    _checks.require(function, "dct_type", dct_type, 2)
    _checks.require(function, "norm", norm, "ortho")
    _checks.require(function, "mel_norm", mel_norm, "slaney")
    n_mfcc = _checks.positive_int(function, "n_mfcc", n_mfcc)
    lifter = _checks.finite(function, "lifter", lifter, least=0.0)
    if S is not None:
        if y is not None:
            raise ValueError(f"{function}: give y or S, not both")
        _checks.refuse_unknown(function, kwargs, {})
        S = _spectrogram(function, S, 1)
        n_mfcc = _n_coefficients(function, n_mfcc, S.shape[-2], lifter)
        basis = _checks.native(function, lambda: _emovox.dct(n_mfcc, S.shape[-2], lifter))
        return np.matmul(basis, S)
    settings = _checks.refuse_unknown(function, kwargs, {**_STFT_DEFAULTS, **_MEL_DEFAULTS})
    args = _mel_settings(function, sr, settings)
    samples = _checks.signal(function, y)
    if samples.size == 0:
        raise ValueError(f"{function}: the audio is empty (shape {samples.shape})")
    n_mfcc = _n_coefficients(function, n_mfcc, args["n_mels"], lifter)
    if samples.ndim == 1:
        out = _checks.native(function, lambda: _emovox.mfcc(samples, n_mfcc=n_mfcc, lifter=lifter, **args))
    else:
        # librosa floors every channel at 80 dB below the loudest bin of all channels.
        mel = _checks.per_channel(samples, _native_melspectrogram(function, args))
        log_mel = _emovox.power_to_db_f32(np.ascontiguousarray(mel), 1.0, 1e-10, 80.0)
        out = np.matmul(_checks.native(function, lambda: _emovox.dct(n_mfcc, args["n_mels"], lifter)), log_mel)
    _warn_like_librosa(function, args, samples.shape[-1])
    return out.astype(_checks.result_dtype(y), copy=False)


def delta(
    data: np.ndarray,
    *,
    width: int = 9,
    order: int = 1,
    axis: int = -1,
    mode: str = "interp",
    **kwargs: Any,
) -> np.ndarray:
    """Compute delta features: local estimate of the derivative
    of the input data along the selected axis.

    Delta features are computed Savitzky-Golay filtering, as in
    ``librosa.feature.delta`` (librosa 0.11), in float32 by emovox in Rust.

    Parameters
    ----------
    data : np.ndarray
        the input data matrix (eg, spectrogram): real numbers (float,
        integer or bool), computed in float32
    width : int, positive, odd [scalar]
        Number of frames over which to compute the delta features.
        Cannot exceed the length of ``data`` along the specified axis.
    order : 1 or 2 [scalar]
        the order of the difference operator.
        1 for first derivative, 2 for second, etc.; emovox implements 1 and 2
    axis : int [scalar]
        the axis along which to compute deltas.
        Default is -1 (columns).
    mode : 'interp'
        Padding mode for estimating differences at the boundaries: the
        polynomial fitted to the first (last) ``width`` frames; other modes
        are refused
    **kwargs : additional keyword arguments
        none are implemented (librosa passes them to
        `scipy.signal.savgol_filter`); any is refused

    Returns
    -------
    delta_data : np.ndarray [shape=(..., t)]
        delta matrix of ``data`` at specified order, of ``data``'s shape;
        float32 for float32 ``data``, float64 otherwise (as librosa)

    Raises
    ------
    ValueError
        for an argument emovox does not implement, an even or too small
        ``width``, fewer than ``width`` frames, complex ``data`` or
        ``data`` holding NaN or infinities

    Examples
    --------
    >>> import numpy as np, emovox
    >>> M = np.cumsum(np.ones((3, 20), dtype=np.float32), axis=1)
    >>> emovox.feature.delta(M)[0, :3]
    array([1., 1., 1.], dtype=float32)
    """
    function = "delta"
    _checks.refuse_unknown(function, kwargs, {})
    _checks.require(function, "mode", mode, "interp")
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order not in (1, 2):
        raise ValueError(f"{function}: unsupported argument order={order!r}: emovox implements order=1 and order=2")
    width = _checks.positive_int(function, "width", width)
    array = np.asarray(data)
    if not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer) or array.dtype == bool):
        raise ValueError(f"{function}: data must be real numbers, got dtype {array.dtype}")
    if array.ndim == 0:
        raise ValueError(f"{function}: data must have at least one dimension")
    if array.size == 0:
        raise ValueError(f"{function}: data is empty (shape {array.shape})")
    if not np.isfinite(array).all():
        raise ValueError(f"{function}: data must not contain infs or NaNs (as librosa refuses them)")
    moved = np.moveaxis(array, axis, -1)
    rows = np.ascontiguousarray(moved.reshape(-1, moved.shape[-1]), dtype=np.float32)
    out = _emovox.delta(rows, width, int(order)).reshape(moved.shape)
    # As librosa (scipy's savgol_filter): float32 in native byte order stays float32, any
    # other input (float64, float16, big-endian floats, integers) gives float64.
    dtype = np.float32 if array.dtype == np.float32 else np.float64
    return np.moveaxis(out, -1, axis).astype(dtype, copy=False)
