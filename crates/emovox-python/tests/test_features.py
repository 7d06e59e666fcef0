"""emovox.feature.* and emovox.power_to_db against librosa 0.11 itself."""

from __future__ import annotations

import warnings

import librosa
import numpy as np
import pytest

import emovox
from conftest import generated_signal

TOLERANCE = 2e-3
#: The speech preset: 16 kHz, n_fft 512, 25 ms window, 10 ms hop, 40 mels, 40 MFCC.
SPEECH = dict(n_fft=512, win_length=400, hop_length=160, n_mels=40, fmax=8000)


def assert_like_librosa(ours: np.ndarray, theirs: np.ndarray, relative: bool = False) -> None:
    """Same shape and dtype, and equal within 2e-3 (absolute; relative to the peak for powers)."""
    assert ours.shape == theirs.shape
    assert ours.dtype == theirs.dtype
    scale = float(np.max(np.abs(theirs))) if relative else 1.0
    worst = float(np.max(np.abs(ours.astype(np.float64) - theirs)))
    assert worst <= TOLERANCE * scale, f"max abs difference {worst} (scale {scale})"


@pytest.mark.parametrize("sr,kwargs", [(16000, dict(n_mfcc=40, **SPEECH)), (22050, {}), (16000, dict(n_mfcc=13, lifter=22))])
def test_mfcc_equals_librosa_on_generated_signals(sr, kwargs):
    for seed in range(3):
        y = generated_signal(sr, 2.0 + seed, seed)
        assert_like_librosa(emovox.feature.mfcc(y=y, sr=sr, **kwargs), librosa.feature.mfcc(y=y, sr=sr, **kwargs))


def test_mfcc_equals_librosa_on_a_ravdess_clip(ravdess_path):
    y, sr = librosa.load(ravdess_path, sr=None)
    for kwargs in (dict(n_mfcc=40, **SPEECH), {}):
        assert_like_librosa(emovox.feature.mfcc(y=y, sr=sr, **kwargs), librosa.feature.mfcc(y=y, sr=sr, **kwargs))


def check_melspectrogram(y, sr):
    for kwargs in (SPEECH, dict(n_mels=64, fmin=50.0), {}):
        ours = emovox.feature.melspectrogram(y=y, sr=sr, **kwargs)
        theirs = librosa.feature.melspectrogram(y=y, sr=sr, **kwargs)
        assert_like_librosa(ours, theirs, relative=True)
        assert_like_librosa(emovox.power_to_db(ours), librosa.power_to_db(theirs))


def test_melspectrogram_equals_librosa_on_generated_signals():
    for seed, sr in enumerate((16000, 22050)):
        check_melspectrogram(generated_signal(sr, 2.5, seed), sr)


def test_melspectrogram_equals_librosa_on_a_ravdess_clip(ravdess_path):
    check_melspectrogram(*librosa.load(ravdess_path, sr=None))


def test_multichannel_input_follows_librosa(speech16k):
    stereo = np.stack([speech16k, 0.1 * speech16k[::-1]])
    assert_like_librosa(
        emovox.feature.mfcc(y=stereo, sr=16000, **SPEECH), librosa.feature.mfcc(y=stereo, sr=16000, **SPEECH)
    )
    assert_like_librosa(
        emovox.feature.melspectrogram(y=stereo, sr=16000, **SPEECH),
        librosa.feature.melspectrogram(y=stereo, sr=16000, **SPEECH),
        relative=True,
    )


def test_float64_input_gives_float64_like_librosa(speech16k):
    y = speech16k.astype(np.float64)
    assert_like_librosa(emovox.feature.mfcc(y=y, sr=16000, **SPEECH), librosa.feature.mfcc(y=y, sr=16000, **SPEECH))


def test_spectrogram_input_S(speech16k):
    power = np.abs(librosa.stft(speech16k, n_fft=512, win_length=400, hop_length=160)) ** 2
    mel = librosa.feature.melspectrogram(S=power, sr=16000, n_mels=40, fmax=8000)
    assert_like_librosa(emovox.feature.melspectrogram(S=power, sr=16000, n_mels=40, fmax=8000), mel, relative=True)
    log_mel = librosa.power_to_db(mel)
    assert_like_librosa(
        emovox.feature.mfcc(S=log_mel, n_mfcc=20, lifter=10), librosa.feature.mfcc(S=log_mel, n_mfcc=20, lifter=10)
    )


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("width", [3, 9])
def test_delta_equals_librosa(speech16k, order, width):
    M = librosa.feature.mfcc(y=speech16k, sr=16000, **SPEECH)
    assert_like_librosa(
        emovox.feature.delta(M, width=width, order=order), librosa.feature.delta(M, width=width, order=order)
    )
    # Another axis, and float64 data.
    M64 = M.T.astype(np.float64)
    assert_like_librosa(
        emovox.feature.delta(M64, width=width, order=order, axis=0),
        librosa.feature.delta(M64, width=width, order=order, axis=0),
    )


def test_power_to_db_equals_librosa():
    rng = np.random.default_rng(1)
    S = (rng.random((40, 300)) ** 6 * 100).astype(np.float32)
    S[0, :10] = 0.0
    for kwargs in ({}, dict(ref=np.max), dict(ref=3.0, amin=1e-5, top_db=None), dict(top_db=40.0)):
        assert_like_librosa(emovox.power_to_db(S, **kwargs), librosa.power_to_db(S, **kwargs))
        assert_like_librosa(emovox.power_to_db(S.astype(np.float64), **kwargs), librosa.power_to_db(S.astype(np.float64), **kwargs))
    scalar = emovox.power_to_db(np.float32(10.0))
    assert np.ndim(scalar) == 0 and abs(float(scalar) - 10.0) < 1e-5


@pytest.mark.parametrize(
    "call,named",
    [
        (lambda y: emovox.feature.mfcc(y=y, sr=16000, dct_type=3), "dct_type"),
        (lambda y: emovox.feature.mfcc(y=y, sr=16000, norm=None), "norm"),
        (lambda y: emovox.feature.mfcc(y=y, sr=16000, htk=True), "htk"),
        (lambda y: emovox.feature.mfcc(y=y, sr=16000, window="hamming"), "window"),
        (lambda y: emovox.feature.mfcc(y=y, sr=16000, center=False), "center"),
        (lambda y: emovox.feature.mfcc(y=y, sr=16000, pad_mode="reflect"), "pad_mode"),
        (lambda y: emovox.feature.mfcc(y=y, sr=16000, power=1.0), "power"),
        (lambda y: emovox.feature.mfcc(y=y, sr=16000, mel_norm=None), "mel_norm"),
        (lambda y: emovox.feature.mfcc(y=y, sr=16000, n_fft=512, bogus=1, other=2), "'bogus', 'other'"),
        (lambda y: emovox.feature.melspectrogram(y=y, sr=16000, norm=1.0), "norm"),
        (lambda y: emovox.feature.melspectrogram(y=y, sr=16000, dtype=np.float64), "dtype"),
        (lambda y: emovox.feature.melspectrogram(y=y, sr=16000.5), "sr"),
        (lambda y: emovox.feature.delta(np.ones((2, 20)), mode="nearest"), "mode"),
        (lambda y: emovox.feature.delta(np.ones((2, 20)), order=3), "order"),
        (lambda y: emovox.feature.delta(np.ones((2, 20)), deriv=1), "'deriv'"),
        (lambda y: emovox.load("x.wav", mono="yes"), "mono"),
        (lambda y: emovox.load("x.wav", res_type="kaiser_best"), "res_type"),
        (lambda y: emovox.load("x.wav", dtype=np.int16), "dtype"),
    ],
)
def test_unsupported_arguments_are_value_errors_naming_them(speech16k, call, named):
    with pytest.raises(ValueError, match=named):
        call(speech16k)


def test_bad_input_is_a_value_error_with_emovox_message(speech16k):
    y = speech16k.copy()
    y[100] = np.nan
    with pytest.raises(ValueError, match=r"^mfcc: the signal holds a non-finite sample at index 100$"):
        emovox.feature.mfcc(y=y, sr=16000, **SPEECH)
    with pytest.raises(ValueError, match="floating-point"):
        emovox.feature.mfcc(y=(speech16k * 32767).astype(np.int16), sr=16000)
    with pytest.raises(ValueError, match="width"):
        emovox.feature.delta(np.ones((2, 5), dtype=np.float32), width=9)
    with pytest.raises(ValueError, match="amin"):
        emovox.power_to_db(np.ones(3), amin=0.0)


def test_contiguous_float32_is_passed_without_a_copy(speech16k):
    from emovox import _checks

    assert _checks.signal("test", speech16k) is speech16k
    strided = speech16k[::2]
    converted = _checks.signal("test", strided)
    assert converted is not strided and converted.flags.c_contiguous
    # Non-contiguous and float64 input give the same MFCC as their contiguous float32 copy.
    expected = emovox.feature.mfcc(y=np.ascontiguousarray(strided), sr=8000)
    np.testing.assert_array_equal(emovox.feature.mfcc(y=strided, sr=8000), expected)


def test_help_reads_like_librosa():
    for ours, theirs in (
        (emovox.feature.mfcc, librosa.feature.mfcc),
        (emovox.feature.melspectrogram, librosa.feature.melspectrogram),
        (emovox.feature.delta, librosa.feature.delta),
        (emovox.power_to_db, librosa.power_to_db),
        (emovox.load, librosa.load),
    ):
        import inspect

        ours_params = inspect.signature(ours).parameters
        theirs_params = inspect.signature(theirs).parameters
        assert list(ours_params) == list(theirs_params), ours.__name__
        for name, parameter in theirs_params.items():
            default = ours_params[name].default
            if parameter.default is inspect.Parameter.empty:
                assert default is inspect.Parameter.empty
            else:
                assert default is parameter.default or default == parameter.default, (ours.__name__, name)
        first_line = theirs.__doc__.strip().splitlines()[0]
        assert ours.__doc__.strip().splitlines()[0] == first_line
        assert "Parameters\n    ----------" in ours.__doc__ and "Returns\n    -------" in ours.__doc__


def test_n_mfcc_beyond_n_mels_gives_n_mels_coefficients_like_librosa(speech16k):
    kwargs = dict(SPEECH, n_mfcc=50)
    assert_like_librosa(emovox.feature.mfcc(y=speech16k, sr=16000, **kwargs), librosa.feature.mfcc(y=speech16k, sr=16000, **kwargs))
    stereo = np.stack([speech16k, 0.5 * speech16k])
    assert_like_librosa(emovox.feature.mfcc(y=stereo, sr=16000, **kwargs), librosa.feature.mfcc(y=stereo, sr=16000, **kwargs))
    S = librosa.power_to_db(librosa.feature.melspectrogram(y=speech16k, sr=16000, n_mels=30))
    assert_like_librosa(emovox.feature.mfcc(S=S, n_mfcc=40), librosa.feature.mfcc(S=S, n_mfcc=40))
    # Liftering weights n_mfcc rows: librosa fails to broadcast them; emovox says why.
    with pytest.raises(ValueError):
        librosa.feature.mfcc(y=speech16k, sr=16000, lifter=22, **kwargs)
    with pytest.raises(ValueError, match=r"^mfcc: n_mfcc=50 exceeds the 40 mel bands"):
        emovox.feature.mfcc(y=speech16k, sr=16000, lifter=22, **kwargs)


@pytest.mark.parametrize("sr", [10**12, 5_000_000_000, 800_000, 999, 0, 16000.5, float("inf"), float("nan"), True])
def test_a_bad_rate_is_a_value_error_naming_sr(speech16k, sr):
    for function in (emovox.feature.mfcc, emovox.feature.melspectrogram):
        with pytest.raises(ValueError, match=rf"^{function.__name__}: (unsupported sample rate )?sr="):
            function(y=speech16k, sr=sr)


def test_a_spectrogram_S_of_the_wrong_shape_is_named():
    with pytest.raises(ValueError, match=r"^melspectrogram: S of shape \(1, 10\) has 1 frequency bins.*n_fft = 2 \* \(S.shape\[-2\] - 1\)"):
        emovox.feature.melspectrogram(S=np.ones((1, 10)), sr=16000)
    with pytest.raises(ValueError, match=r"^melspectrogram: S of shape \(2, 0, 10\) has 0 frequency bins"):
        emovox.feature.melspectrogram(S=np.ones((2, 0, 10)), sr=16000)
    for function in (emovox.feature.melspectrogram, emovox.feature.mfcc):
        with pytest.raises(ValueError, match=rf"^{function.__name__}: S must have shape \(\.\.\., d, t\).*got shape \(10,\)"):
            function(S=np.ones(10))
    with pytest.raises(ValueError, match=r"^mfcc: S of shape \(0, 10\) has 0 mel bands"):
        emovox.feature.mfcc(S=np.ones((0, 10)))


@pytest.mark.parametrize(
    "call,named",
    [
        (lambda y: emovox.feature.mfcc(y=y, sr=16000, n_fft=2**70), "n_fft"),
        (lambda y: emovox.feature.mfcc(y=y, sr=16000, hop_length=2**64), "hop_length"),
        (lambda y: emovox.feature.melspectrogram(y=y, sr=16000, n_mels=2**70), "n_mels"),
        (lambda y: emovox.feature.melspectrogram(y=y, sr=16000, win_length=2**80), "win_length"),
        (lambda y: emovox.feature.delta(np.ones((2, 20)), width=2**70 + 1), "width"),
        (lambda y: emovox.feature.mfcc(y=y, sr=16000, lifter="x"), "lifter"),
        (lambda y: emovox.feature.mfcc(y=y, sr=16000, lifter=float("nan")), "lifter"),
        (lambda y: emovox.feature.mfcc(y=y, sr=16000, lifter=-1), "lifter"),
        (lambda y: emovox.feature.mfcc(y=y, sr=16000, fmin="x"), "fmin"),
        (lambda y: emovox.feature.mfcc(y=y, sr=16000, fmin=float("inf")), "fmin"),
        (lambda y: emovox.feature.melspectrogram(y=y, sr=16000, fmax=10**400), "fmax"),
        (lambda y: emovox.feature.melspectrogram(y=y, sr=16000, fmax=float("nan")), "fmax"),
    ],
)
def test_out_of_range_numbers_are_value_errors_naming_them(speech16k, call, named):
    """Not OverflowError, TypeError or a bare float() message: the argument is named."""
    with pytest.raises(ValueError, match=rf"^(mfcc|melspectrogram|delta): {named}="):
        call(speech16k)


def test_the_docstring_examples_hold():
    """The examples in the docstrings are what the functions return (run as doctests)."""
    import doctest

    from emovox import _adaptation, _classifier, _core, _quality, feature

    for module in (_core, feature, _classifier, _adaptation, _quality):
        failures, _ = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert failures == 0, f"{module.__name__}: {failures} docstring example(s) differ"


def test_empty_arrays_are_value_errors_naming_the_function():
    """Empty audio (or an empty channel axis), and empty data for delta, say so by name
    instead of leaking NumPy's reshape or stack messages."""
    for shape in [(0,), (5, 0), (0, 100)]:
        y = np.zeros(shape, np.float32)
        with pytest.raises(ValueError, match=r"^mfcc: the audio is empty"):
            emovox.feature.mfcc(y=y, sr=16000)
        with pytest.raises(ValueError, match=r"^melspectrogram: the audio is empty"):
            emovox.feature.melspectrogram(y=y, sr=16000)
    with pytest.raises(ValueError, match=r"^delta: data is empty"):
        emovox.feature.delta(np.zeros((20, 0), np.float32))


def test_melspectrogram_from_s_keeps_an_odd_n_fft_that_fits_as_librosa_does():
    y = generated_signal(16000, 1.0)
    for n_fft, n_mels in ((2047, 128), (511, 40)):
        S = np.abs(librosa.stft(y, n_fft=n_fft)) ** 2
        expected = librosa.feature.melspectrogram(S=S, sr=16000, n_fft=n_fft, n_mels=n_mels)
        got = emovox.feature.melspectrogram(S=S, sr=16000, n_fft=n_fft, n_mels=n_mels)
        assert np.abs(got - expected).max() <= 1e-5 * np.abs(expected).max()


def test_power_to_db_and_delta_refuse_what_they_cannot_compute_faithfully():
    P = np.abs(np.random.default_rng(3).standard_normal((4, 6))).astype(np.float32)
    with pytest.raises(ValueError, match=r"^power_to_db: ref must be a scalar"):
        emovox.power_to_db(P, ref=lambda x: np.max(x, axis=0))
    with pytest.raises(ValueError, match=r"^power_to_db: ref must be a scalar"):
        emovox.power_to_db(P, ref=np.array([2.0, 3.0]))
    with pytest.raises(ValueError, match=r"^power_to_db: top_db must be a non-negative number"):
        emovox.power_to_db(P, top_db=np.nan)
    with pytest.raises(ValueError, match=r"^power_to_db: S holds NaN"):
        emovox.power_to_db(np.array([1.0, np.nan, 5.0]))
    # A one-element array as ref is a scalar, as for librosa.
    np.testing.assert_allclose(emovox.power_to_db(P, ref=np.array([2.0])), librosa.power_to_db(P, ref=2.0), atol=1e-4)
    bad = np.ones((3, 20), np.float32)
    bad[1, 4] = np.nan
    with pytest.raises(ValueError, match=r"^delta: data must not contain infs or NaNs"):
        emovox.feature.delta(bad)


def test_a_one_sample_window_equals_librosa(speech16k):
    """scipy's periodic Hann window of one sample is [1.0], not the formula's 0 (which made every
    frame silent)."""
    ours = emovox.feature.melspectrogram(y=speech16k, sr=16000, n_fft=512, win_length=1, hop_length=160, n_mels=40)
    theirs = librosa.feature.melspectrogram(y=speech16k, sr=16000, n_fft=512, win_length=1, hop_length=160, n_mels=40)
    assert np.max(theirs) > 0
    assert_like_librosa(ours, theirs, relative=True)


@pytest.mark.parametrize("dtype", ["<f4", ">f4", "<f8", ">f8", "f2", "longdouble", "int16", "int64", "bool"])
def test_delta_gives_librosas_dtype_for_every_real_input(speech16k, dtype):
    """librosa (scipy's savgol_filter) keeps float32 only in native byte order; float16,
    big-endian and long double floats, integers and bools give float64 (they gave float32, or
    a ValueError for integers)."""
    M = librosa.feature.mfcc(y=speech16k, sr=16000, n_mfcc=8)
    data = (M * 10 if dtype[0] in "ib" else M).astype(dtype) if dtype != "bool" else M > 0
    for order in (1, 2):
        assert_like_librosa(emovox.feature.delta(data, order=order), librosa.feature.delta(data, order=order))


@pytest.mark.parametrize("dtype", ["<f4", ">f4", "<f8", ">f8", "longdouble", "complex64", "int32", "bool"])
def test_power_to_db_gives_librosas_dtype(dtype):
    """A big-endian float32 stayed float32 in librosa but came back float64; long double came
    back float64; a 0-d array or numpy scalar gives librosa's float64 scalar."""
    P = (np.abs(np.random.default_rng(4).standard_normal((6, 9))) * 100).astype(dtype)
    assert_like_librosa(emovox.power_to_db(P), librosa.power_to_db(P))
    for scalar in (P[0, 0], P[0, 0].reshape(())):
        ours, theirs = emovox.power_to_db(scalar), librosa.power_to_db(scalar)
        assert type(ours) is type(theirs) and abs(float(ours) - float(theirs)) <= TOLERANCE, (ours, theirs)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_spectrogram_S_holding_nan_or_infinities_is_a_value_error(bad):
    """NaN input is a ValueError everywhere (S= gave a NaN-filled result silently)."""
    S = np.abs(np.random.default_rng(5).standard_normal((40, 12))).astype(np.float32)
    S[3, 4] = bad
    with pytest.raises(ValueError, match=r"^mfcc: S holds NaN or infinite values$"):
        emovox.feature.mfcc(S=S, n_mfcc=13)
    with pytest.raises(ValueError, match=r"^melspectrogram: S holds NaN or infinite values$"):
        emovox.feature.melspectrogram(S=S, sr=16000, n_mels=20)


def recorded(call):
    """``call()``'s result and the warnings it emitted, as (category, message, filename)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return result, [(w.category, str(w.message), w.filename) for w in caught]


def assert_warns_like_librosa(ours: list, theirs: list) -> None:
    """The same warnings (category and message, in order), ours pointing at the caller."""
    assert [w[:2] for w in ours] == [w[:2] for w in theirs]
    assert all(filename == __file__ for _, _, filename in ours), ours


@pytest.mark.parametrize(
    "sr,length,kwargs",
    [(22050, 1, {}), (22050, 2, {}), (22050, 1000, {}), (22050, 2047, {}), (16000, 1, SPEECH), (16000, 399, SPEECH)],
)
def test_a_signal_shorter_than_n_fft_is_zero_padded_like_librosa(sr, length, kwargs):
    """librosa's centred STFT zero-pads any signal (with a warning): 1 sample gives one frame,
    2047 samples at n_fft 2048 four; emovox refused a signal shorter than win_length."""
    y = generated_signal(sr, 0.2, seed=length)[1000 : 1000 + length]
    for signal in (y, np.stack([y, 0.5 * y])):
        for ours_fn, theirs_fn, relative in (
            (emovox.feature.mfcc, librosa.feature.mfcc, False),
            (emovox.feature.melspectrogram, librosa.feature.melspectrogram, True),
        ):
            ours, our_warnings = recorded(lambda: ours_fn(y=signal, sr=sr, **kwargs))
            theirs, their_warnings = recorded(lambda: theirs_fn(y=signal, sr=sr, **kwargs))
            assert ours.shape[-1] == 1 + (length // kwargs.get("hop_length", 512))
            assert_like_librosa(ours, theirs, relative=relative)
            assert_warns_like_librosa(our_warnings, their_warnings)
            n_fft = kwargs.get("n_fft", 2048)
            assert [w[1] for w in our_warnings] == [f"n_fft={n_fft} is too large for input signal of length={length}"]


@pytest.mark.parametrize(
    "kwargs,warns",
    [
        (dict(n_fft=512, n_mels=300), True),  # more bands than the 257 FFT bins
        (dict(fmax=9000), True),  # above Nyquist (8 kHz): the top bands cover no bin
        (dict(n_fft=512, n_mels=40, fmax=12000), True),
        (dict(n_fft=512, n_mels=40, fmax=9000), False),  # above Nyquist, every band covers a bin
        (dict(n_fft=64, n_mels=30), True),  # within the 33 bins, yet low bands cover none
    ],
)
def test_empty_mel_filters_are_computed_with_librosas_warning(speech16k, kwargs, warns):
    """What librosa only warns about (n_mels above the FFT bins, fmax above Nyquist) was a
    ValueError; empty filters within the limits gave no warning."""
    y = speech16k[:8000]
    for ours_fn, theirs_fn, relative in (
        (emovox.feature.mfcc, librosa.feature.mfcc, False),
        (emovox.feature.melspectrogram, librosa.feature.melspectrogram, True),
    ):
        ours, our_warnings = recorded(lambda: ours_fn(y=y, sr=16000, **kwargs))
        theirs, their_warnings = recorded(lambda: theirs_fn(y=y, sr=16000, **kwargs))
        assert_like_librosa(ours, theirs, relative=relative)
        assert_warns_like_librosa(our_warnings, their_warnings)
        assert [w[1] for w in our_warnings] == ([w[1] for w in their_warnings] if warns else [])
        assert any("Empty filters" in w[1] for w in our_warnings) == warns


def test_melspectrogram_of_a_small_S_with_the_default_128_mels_like_librosa(speech16k):
    """``melspectrogram(S=...)`` keeps librosa's default n_mels=128 whatever S's bins: on 33
    bins (n_fft 64) librosa computes with a warning, emovox refused."""
    S = np.abs(librosa.stft(speech16k, n_fft=64, hop_length=32)) ** 2
    ours, our_warnings = recorded(lambda: emovox.feature.melspectrogram(S=S, sr=16000))
    theirs, their_warnings = recorded(lambda: librosa.feature.melspectrogram(S=S, sr=16000))
    assert ours.shape == (128, S.shape[-1])
    assert_like_librosa(ours, theirs, relative=True)
    assert_warns_like_librosa(our_warnings, their_warnings)
    assert len(our_warnings) == 1 and our_warnings[0][1].startswith("Empty filters detected")


def test_an_odd_n_fft_gives_librosas_number_of_frames(speech16k):
    """librosa frames an odd n_fft one frame short when the length is a multiple of the hop;
    emovox gave one frame more (101 instead of 100 here)."""
    y = speech16k[:16000]
    for function in ("mfcc", "melspectrogram"):
        ours = getattr(emovox.feature, function)(y=y, sr=16000, n_fft=511, hop_length=160)
        theirs = getattr(librosa.feature, function)(y=y, sr=16000, n_fft=511, hop_length=160)
        assert ours.shape == theirs.shape == (ours.shape[0], 100)
        assert_like_librosa(ours, theirs, relative=function == "melspectrogram")


def test_errors_from_the_native_side_start_with_the_function_name(speech16k):
    """Every ValueError of mfcc and melspectrogram starts with the function's name, the
    native computation's too (they started with the Rust message)."""
    bad = speech16k.copy()
    bad[100] = np.nan
    for function in (emovox.feature.mfcc, emovox.feature.melspectrogram):
        name = function.__name__
        for y in (bad, np.stack([speech16k, bad])):
            with pytest.raises(ValueError, match=rf"^{name}: the signal holds a non-finite sample at index 100$"):
                function(y=y, sr=16000)
        with pytest.raises(ValueError, match=rf"^{name}: invalid feature configuration: n_mels 40000 must be in 1..=32769"):
            function(y=speech16k, sr=16000, n_mels=40000)
        with pytest.raises(ValueError, match=rf"^{name}: invalid feature configuration: fmax 100 must be finite and above fmin"):
            function(y=speech16k, sr=16000, fmin=200, fmax=100)
        with pytest.raises(ValueError, match=rf"^{name}: invalid feature configuration: n_fft 131072 is outside"):
            function(y=speech16k, sr=16000, n_fft=2**17)
    with pytest.raises(ValueError, match=r"^melspectrogram: invalid feature configuration: n_mels 40000"):
        emovox.feature.melspectrogram(S=np.ones((33, 4)), sr=16000, n_mels=40000)
    with pytest.raises(ValueError, match=r"^mfcc: invalid feature configuration: a DCT of n_mfcc 20 from n_mels 40000"):
        emovox.feature.mfcc(S=np.ones((40000, 2)))
