"""emovox.assess: recording quality (clipping, noise, band, speech, DC offset) and its concerns."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import emovox
from conftest import REPO, SPEECH_FIXTURES, runs_without_the_gil

KEYS = ["duration_s", "active_speech_s", "clipped_fraction", "snr_db", "bandwidth_hz", "dc_offset", "concerns"]


def vowel_bursts(sr: int, seconds: float = 3.0, top_hz: float | None = None, noise: float = 1e-4) -> np.ndarray:
    """Vowel-like bursts (harmonics of 150 Hz, amplitude 1/h, up to ``top_hz``, by default just
    under Nyquist) 0.3 s long every 0.5 s, with 20 ms raised-cosine ramps and pauses between
    them, over white noise of standard deviation ``noise`` (about 65 dB under the bursts)."""
    t = np.arange(int(sr * seconds)) / sr
    top = 0.49 * sr if top_hz is None else top_hz
    voiced = sum(np.sin(2 * np.pi * 150.0 * h * t) / h for h in range(1, int(top // 150.0) + 1))
    cycle = t % 0.5
    gate = np.clip(np.minimum(cycle, 0.3 - cycle) / 0.02, 0.0, 1.0) * (cycle < 0.3)
    gate = 0.5 - 0.5 * np.cos(np.pi * gate)
    y = 0.3 * gate * voiced / np.abs(voiced).max()
    return (y + noise * np.random.default_rng(0).standard_normal(t.size)).astype(np.float32)


@pytest.fixture(scope="module")
def clean() -> np.ndarray:
    return vowel_bursts(16000)


def flattened_share(y: np.ndarray) -> float:
    """The share of samples in runs of two or more at the largest value or at the smallest
    (within 1e-5 of it, relative), each polarity only when it has a sign."""
    high, low = y.max(), y.min()
    rail = np.zeros(y.size, np.int8)
    if high > 0:
        rail[y >= high * np.float32(1 - 1e-5)] = 1
    if low < 0:
        rail[y <= low * np.float32(1 - 1e-5)] = 2
    runs = (len(list(group)) for value, group in itertools.groupby(rail) if value)
    return sum(n for n in runs if n >= 2) / y.size


def test_a_clean_recording_with_pauses_raises_no_concern(clean):
    quality = emovox.assess(clean, 16000)
    assert list(quality) == KEYS
    assert quality["concerns"] == []
    assert quality["duration_s"] == pytest.approx(3.0, rel=1e-6)
    # Six bursts of 0.3 s (their ramps count partly).
    assert 1.7 < quality["active_speech_s"] < 2.0
    assert quality["clipped_fraction"] == 0.0
    assert quality["snr_db"] > 30.0
    assert 7000.0 < quality["bandwidth_hz"] <= 8000.0
    assert abs(quality["dc_offset"]) < 1e-3
    assert all(isinstance(quality[key], float) for key in KEYS[:-1])


def test_hard_clipping_is_clipped(clean):
    peak = np.abs(clean).max()
    clipped = np.clip(clean, -0.5 * peak, 0.5 * peak)
    quality = emovox.assess(clipped, 16000)
    assert quality["concerns"] == ["clipped"]
    assert quality["clipped_fraction"] > 0.05
    assert quality["clipped_fraction"] == pytest.approx(flattened_share(clipped), rel=1e-6)
    # One flat top above the peaks: 40 samples (0.083 %) are no concern, 60 (0.125 %) are.
    for length, concerns in ((40, []), (60, ["clipped"])):
        plateau = clean.copy()
        plateau[4000 : 4000 + length] = 1.1 * peak
        quality = emovox.assess(plateau, 16000)
        assert quality["clipped_fraction"] == pytest.approx(length / clean.size, rel=1e-6)
        assert quality["concerns"] == concerns


def test_a_narrow_band_is_narrowband():
    # Recorded at 8 kHz: nothing above 4 kHz.
    at_8k = emovox.assess(vowel_bursts(8000), 8000)
    assert at_8k["bandwidth_hz"] <= 4000.0
    assert at_8k["concerns"] == ["narrowband"]
    # At 16 kHz with nothing above a telephone's 3.4 kHz.
    telephone = emovox.assess(vowel_bursts(16000, top_hz=3400.0), 16000)
    assert 3300.0 < telephone["bandwidth_hz"] < 4000.0
    assert telephone["concerns"] == ["narrowband"]


@pytest.mark.parametrize("snr", [5.0, 10.0, 30.0])
def test_white_noise_at_a_low_snr_is_noisy(clean, snr):
    t = np.arange(clean.size) / 16000
    speech_power = np.mean(clean[(t % 0.5) < 0.3].astype(np.float64) ** 2)
    noise = np.random.default_rng(1).standard_normal(clean.size) * np.sqrt(speech_power / 10 ** (snr / 10))
    quality = emovox.assess((clean + noise).astype(np.float32), 16000)
    # Stationary noise is estimated within a few dB (the Rust tests bound it).
    assert abs(quality["snr_db"] - snr) < 3.0, quality
    assert quality["concerns"] == (["noisy"] if snr < 18.0 else [])


def test_little_speech_and_silence():
    burst = np.zeros(16000, np.float32)
    burst[4000:6400] = vowel_bursts(16000, seconds=0.15, noise=0.0)
    quality = emovox.assess(burst, 16000)
    assert quality["active_speech_s"] < 0.25
    assert quality["concerns"] == ["little_speech"]
    silence = emovox.assess(np.zeros(16000, np.float32), 16000)
    assert silence == {
        "duration_s": 1.0,
        "active_speech_s": 0.0,
        "clipped_fraction": 0.0,
        "snr_db": None,
        "bandwidth_hz": None,
        "dc_offset": 0.0,
        "concerns": ["little_speech"],
    }


def test_dc_offset_is_the_mean_over_the_peak(clean):
    shifted = clean + np.float32(0.05)
    quality = emovox.assess(shifted, 16000)
    expected = np.mean(shifted, dtype=np.float64) / np.abs(shifted).max()
    assert quality["dc_offset"] == pytest.approx(expected, rel=1e-4)
    assert quality["dc_offset"] > 0.1
    # Not a concern, and the other measures are taken with the mean removed.
    assert quality["concerns"] == []
    assert quality["snr_db"] == pytest.approx(emovox.assess(clean, 16000)["snr_db"], abs=0.5)


def test_float64_input_and_views_equal_float32(clean):
    quality = emovox.assess(clean, 16000)
    assert emovox.assess(clean.astype(np.float64), 16000) == quality
    assert emovox.assess(clean.tolist(), 16000.0) == quality
    strided = np.repeat(clean, 2)[::2]  # not contiguous: copied, same values
    assert not strided.flags.c_contiguous
    assert emovox.assess(strided, 16000) == quality


def test_every_measure_is_independent_of_the_level(clean):
    quality = emovox.assess(clean, 16000)
    quieter = emovox.assess(clean * np.float32(0.1), 16000)
    assert quieter["concerns"] == quality["concerns"]
    for key in KEYS[:-1]:
        assert quieter[key] == pytest.approx(quality[key], rel=1e-3, abs=1e-6), key


def test_the_rust_doctests_clip_gives_its_answers():
    """The clip of `emovox_audio::assess`'s doc example, rebuilt in numpy (its LCG noise, a
    buzzy vowel of 65 harmonics of 120 Hz after 0.5 s of noise), passes the same assertions."""
    rate = 16000
    state, noise = 1, np.empty(2 * rate, np.float32)
    for i in range(noise.size):
        state = (state * 1_664_525 + 1_013_904_223) & 0xFFFFFFFF
        noise[i] = (np.float32(state >> 8) / np.float32(1 << 23) - np.float32(1.0)) * np.float32(0.002)
    t = (np.arange(2 * rate, dtype=np.float32) / np.float32(rate)).astype(np.float32)
    vowel = sum(np.sin(np.float32(2 * np.pi * 120.0 * h) * t) / np.float32(h) for h in range(1, 66))
    clip = np.where(t < 0.5, noise, np.float32(0.1) * vowel + noise).astype(np.float32)
    quality = emovox.assess(clip, rate)
    assert quality["duration_s"] == 2.0
    assert abs(quality["active_speech_s"] - 1.5) < 0.05, quality
    assert quality["snr_db"] > 30.0 and quality["bandwidth_hz"] > 7000.0
    assert quality["concerns"] == []


def test_bad_input_is_a_value_error(clean):
    bad = clean.copy()
    bad[1234] = np.nan
    with pytest.raises(ValueError, match=r"^non-finite sample \(NaN or infinity\) at index 1234$"):
        emovox.assess(bad, 16000)
    bad[1234] = np.inf
    with pytest.raises(ValueError, match=r"^non-finite sample \(NaN or infinity\) at index 1234$"):
        emovox.assess(bad, 16000)
    with pytest.raises(ValueError, match=r"^the audio holds no samples$"):
        emovox.assess(np.zeros(0, np.float32), 16000)
    with pytest.raises(ValueError, match=r"^assess: expected mono audio of shape \(n,\), got shape \(2, 48000\)$"):
        emovox.assess(np.stack([clean, clean]), 16000)
    with pytest.raises(ValueError, match=r"^assess: audio must have at least one dimension"):
        emovox.assess(np.float32(0.5), 16000)
    with pytest.raises(ValueError, match=r"^assess: audio data must be floating-point, got dtype int16$"):
        emovox.assess((clean * 32767).astype(np.int16), 16000)
    with pytest.raises(ValueError, match=r"^assess: y \(the audio\) is required$"):
        emovox.assess(None, 16000)


@pytest.mark.parametrize("sr", [0, -5, 999, 800_000, 10**12, 16000.5, float("inf"), float("nan"), True, "16000", None])
def test_a_bad_rate_is_a_value_error_naming_sr(clean, sr):
    with pytest.raises(ValueError, match=r"^assess: (unsupported sample rate )?sr="):
        emovox.assess(clean, sr)


@pytest.mark.parametrize("path", SPEECH_FIXTURES, ids=lambda path: path.name)
def test_the_speech_fixtures_raise_no_concern(path):
    y, sr = emovox.load(path, sr=None)
    quality = emovox.assess(y, sr)
    assert quality["concerns"] == []
    assert 1.0 < quality["active_speech_s"] < quality["duration_s"] == pytest.approx(y.size / sr, rel=1e-6)
    assert quality["clipped_fraction"] == 0.0
    assert quality["snr_db"] > 30.0 and quality["bandwidth_hz"] > 7000.0


def test_kids_talking_is_among_the_fixtures():
    assert REPO / "tests" / "fixtures" / "speech" / "kids_talking.wav" in SPEECH_FIXTURES


def test_the_gil_is_released(clean):
    # An hour (0.3 s of work on a fast machine; ten minutes was too short to time).
    hour = np.tile(clean, 1200)
    share = runs_without_the_gil("assess", lambda: emovox.assess(hour, 16000))
    # Holding the GIL, the counting thread gets no turn in the middle at all (share 0).
    assert share > 0.5, f"assess: the other thread ran only in {share:.0%} of the work"
