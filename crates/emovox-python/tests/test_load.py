"""emovox.load against librosa.load."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import librosa
import numpy as np
import pytest
import soundfile

import emovox
from conftest import REPO, SPEECH_FIXTURES, generated_signal


@pytest.fixture(scope="module")
def stereo_files(tmp_path_factory):
    """A 24-bit stereo WAV, a FLAC and G.711 (mu-law, A-law: telephony's) WAVs at 44.1 kHz,
    written by soundfile (as librosa reads them)."""
    folder = tmp_path_factory.mktemp("audio")
    left = generated_signal(44100, 1.5, 1)
    stereo = np.stack([left, 0.5 * generated_signal(44100, 1.5, 2)], axis=1)
    paths = {}
    encodings = (
        ("pcm24.wav", "PCM_24", "WAV"),
        ("pcm16.flac", "PCM_16", "FLAC"),
        ("ulaw.wav", "ULAW", "WAV"),
        ("alaw.wav", "ALAW", "WAV"),
    )
    for name, subtype, fmt in encodings:
        paths[name] = folder / name
        soundfile.write(paths[name], stereo, 44100, subtype=subtype, format=fmt)
    return paths


def test_native_rate_equals_librosa_exactly(stereo_files):
    for path in list(stereo_files.values()) + SPEECH_FIXTURES:
        ours, sr = emovox.load(path, sr=None)
        theirs, their_sr = librosa.load(path, sr=None)
        assert sr == their_sr and ours.dtype == theirs.dtype == np.float32
        np.testing.assert_array_equal(ours, theirs)


def test_every_channel_kept_like_librosa(stereo_files):
    """``mono=False``: (channels, n) exactly as librosa at the native rate (a mono file stays
    1-D), and within librosa's resampling tolerance at another rate; ``mono=True`` is their
    mean. A stereo call recording is scored one party at a time this way."""
    for path in list(stereo_files.values()):
        ours, sr = emovox.load(path, sr=None, mono=False)
        theirs, their_sr = librosa.load(path, sr=None, mono=False)
        assert sr == their_sr and ours.shape == theirs.shape == (2, theirs.shape[1])
        np.testing.assert_array_equal(ours, theirs)
        np.testing.assert_array_equal(np.mean(ours, axis=0), emovox.load(path, sr=None)[0])
        with open(path, "rb") as handle:
            from_bytes, _ = emovox.load(handle, sr=None, mono=False)
        np.testing.assert_array_equal(from_bytes, ours)
        ours, _ = emovox.load(path, sr=None, mono=False, offset=0.25, duration=1.0)
        theirs, _ = librosa.load(path, sr=None, mono=False, offset=0.25, duration=1.0)
        np.testing.assert_array_equal(ours, theirs)
        ours, _ = emovox.load(path, sr=16000, mono=False)
        theirs, _ = librosa.load(path, sr=16000, mono=False)
        assert ours.shape == theirs.shape
        assert float(np.max(np.abs(ours - theirs))) <= 2e-3
    mono_file = SPEECH_FIXTURES[0]
    ours, _ = emovox.load(mono_file, sr=None, mono=False)
    theirs, _ = librosa.load(mono_file, sr=None, mono=False)
    assert ours.ndim == theirs.ndim == 1
    np.testing.assert_array_equal(ours, theirs)


def test_webm_opus_as_browsers_record_it():
    """WebM/Opus (librosa's soundfile cannot read it): ffmpeg's libopus decode, at 48 kHz."""
    formats = REPO / "crates" / "emovox-audio" / "tests" / "fixtures" / "formats"
    ours, sr = emovox.load(formats / "speech16k_32k.webm", sr=None)
    ffmpeg = np.fromfile(formats / "speech16k_32k.webm.ffmpeg.f32", dtype="<f4")
    assert sr == 48000 and ours.dtype == np.float32
    assert len(ours) == len(ffmpeg)  # pre-skip and the last block's DiscardPadding trimmed
    assert float(np.max(np.abs(ours - ffmpeg))) <= 1e-4
    resampled, rate = emovox.load(formats / "chromium_mediarecorder.webm", sr=16000)
    assert rate == 16000 and 1.4 * 16000 <= len(resampled) <= 1.6 * 16000


FORMATS = REPO / "crates" / "emovox-audio" / "tests" / "fixtures" / "formats"


@pytest.mark.parametrize(
    "name",
    [
        "speech16k.aiff",
        "stereo44k_float.aifc",
        "speech16k.caf",
        "stereo44k_24bit.caf",
        "speech16k_ms_adpcm.wav",
    ],
)
def test_apple_formats_and_adpcm_equal_librosa_exactly(name):
    """AIFF, AIFF-C, CAF and MS ADPCM WAV, which librosa reads through soundfile: the same
    samples, mixed down or channel by channel."""
    for mono in (True, False):
        ours, sr = emovox.load(FORMATS / name, sr=None, mono=mono)
        theirs, their_sr = librosa.load(FORMATS / name, sr=None, mono=mono)
        assert sr == their_sr and ours.dtype == theirs.dtype == np.float32
        assert ours.shape == theirs.shape
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize(
    "name,rate",
    [
        ("speech8k_122k.amr", 8000),
        ("speech8k_475_dtx.amr", 8000),
        ("speech16k_2385k.awb", 16000),
        ("speech8k_122k.3gp", 8000),
    ],
)
def test_amr_as_android_records_it(name, rate):
    """AMR-NB / AMR-WB (librosa's soundfile cannot read them): opencore-amr's reference decode of
    the same frames, exactly; and resampled to 16 kHz as any format is."""
    ours, sr = emovox.load(FORMATS / name, sr=None)
    source = name.replace(".3gp", ".amr")
    reference = np.fromfile(FORMATS / f"{source}.opencore.f32", dtype="<f4")
    assert sr == rate and ours.dtype == np.float32
    np.testing.assert_array_equal(ours, reference)
    resampled, sr16 = emovox.load(FORMATS / name, sr=16000)
    assert sr16 == 16000 and len(resampled) == len(reference) * 16000 // rate


def test_resampled_like_librosa_within_tolerance(stereo_files, ravdess_path):
    cases = [(stereo_files["pcm24.wav"], 16000), (stereo_files["pcm24.wav"], 22050), (ravdess_path, 22050)]
    for path, sr in cases:
        ours, rate = emovox.load(path, sr=sr)
        theirs, _ = librosa.load(path, sr=sr)
        assert rate == sr and ours.shape == theirs.shape and ours.dtype == theirs.dtype
        worst = float(np.max(np.abs(ours - theirs)))
        assert worst <= 2e-3, f"{path.name} at {sr} Hz: max abs difference {worst}"


def test_bright_audio_resampled_like_librosa_through_the_transition_band(tmp_path):
    """Energy near and above the new Nyquist frequency, where resamplers' filters differ most:
    an espeak-ng sentence at 22.05 kHz (measured 1.9e-4 from librosa) and white noise at 44.1
    and 48 kHz (3.8e-4); emovox's filter before, a squared Blackman-Harris sinc cut at 0.95,
    was 2.9e-3 and about 1e-2 off."""
    ours, _ = emovox.load(REPO / "tests" / "fixtures" / "formats" / "sentence.wav", sr=16000)
    theirs, _ = librosa.load(REPO / "tests" / "fixtures" / "formats" / "sentence.wav", sr=16000)
    assert ours.shape == theirs.shape and float(np.max(np.abs(ours - theirs))) <= 5e-4
    noise = np.random.default_rng(7).standard_normal(22_050) * 0.1
    for rate in (44_100, 48_000):
        path = tmp_path / f"noise{rate}.wav"
        soundfile.write(path, noise, rate, subtype="PCM_16")
        ours, _ = emovox.load(path, sr=16000)
        theirs, _ = librosa.load(path, sr=16000)
        worst = float(np.max(np.abs(ours[400:-400] - theirs[400:-400])))
        assert ours.shape == theirs.shape and worst <= 1e-3, f"{rate} Hz: {worst}"


def test_offset_duration_dtype_and_file_objects(stereo_files):
    path = stereo_files["pcm24.wav"]
    ours, _ = emovox.load(path, sr=None, offset=0.25, duration=0.5, dtype=np.float64)
    theirs, _ = librosa.load(path, sr=None, offset=0.25, duration=0.5, dtype=np.float64)
    assert ours.dtype == np.float64
    np.testing.assert_array_equal(ours, theirs)
    with open(path, "rb") as handle:
        from_file, _ = emovox.load(handle, sr=None)
    np.testing.assert_array_equal(from_file, emovox.load(path, sr=None)[0])
    past_the_end, _ = emovox.load(path, sr=None, offset=10.0)
    assert past_the_end.size == 0


def test_bad_files_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.wav"):
        emovox.load(tmp_path / "missing.wav")
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty"):
        emovox.load(empty)
    garbage = tmp_path / "garbage.mp3"
    garbage.write_bytes(b"this is not audio at all" * 10)
    with pytest.raises(ValueError, match="unsupported audio format"):
        emovox.load(garbage)
    with pytest.raises(ValueError, match="unsupported audio format"):
        emovox.load(io.BytesIO(b"nope" * 100))
    with pytest.raises(ValueError, match="offset"):
        emovox.load(garbage, offset=-1.0)


SENTENCE = REPO / "tests" / "fixtures" / "formats" / "sentence.wav"


@pytest.mark.parametrize("offset,duration", [(1.0, 1e15), (1.0, 1e300), (0.5, 1e15), (0.0, 1e300), (1.0, 0.25)])
def test_a_duration_past_the_end_keeps_the_rest_like_librosa(offset, duration):
    """`offset + duration` beyond the file (however large) is the rest of the file, never a panic."""
    theirs, their_sr = librosa.load(SENTENCE, sr=None, offset=offset, duration=duration)
    ours, sr = emovox.load(SENTENCE, sr=None, offset=offset, duration=duration)
    assert sr == their_sr
    np.testing.assert_array_equal(ours, theirs)
    from_bytes, _ = emovox.load(io.BytesIO(SENTENCE.read_bytes()), sr=None, offset=offset, duration=duration)
    np.testing.assert_array_equal(from_bytes, theirs)
    resampled, rate = emovox.load(SENTENCE, sr=16000, offset=offset, duration=duration)
    assert rate == 16000 and resampled.size == int(np.ceil(theirs.size * 16000 / their_sr))


@pytest.mark.parametrize("offset,duration", [(1e20, 1e20), (1e300, None), (1e300, 1e300), (100.0, 1.0)])
def test_an_offset_past_the_end_is_an_empty_signal(offset, duration):
    # librosa raises OverflowError for the absurd offsets; emovox gives what is there: nothing.
    for sr in (None, 16000):
        y, _ = emovox.load(SENTENCE, sr=sr, offset=offset, duration=duration)
        assert y.size == 0 and y.dtype == np.float32


@pytest.mark.parametrize("sr", [10**12, 5_000_000_000, 800_000, 999, 0, -16000, 16000.5, float("inf"), float("-inf"), float("nan"), True, "16000", 10**400])
def test_a_bad_target_rate_is_a_value_error_naming_sr(sr):
    with pytest.raises(ValueError, match=r"^load: (unsupported sample rate )?sr="):
        emovox.load(SENTENCE, sr=sr)


def test_the_whole_supported_rate_range_loads():
    for sr in (emovox._checks.MIN_SAMPLE_RATE, np.int64(8000), 8000.0, emovox._checks.MAX_SAMPLE_RATE):
        y, rate = emovox.load(SENTENCE, sr=sr, duration=0.1)
        # As librosa: the rate asked for, as given (an np.int64 or a float stays one).
        assert rate == int(sr) and type(rate) is type(sr) and y.size > 0


@pytest.mark.parametrize("name", ["offset", "duration"])
@pytest.mark.parametrize("value", [10**400, -1.0, float("nan"), float("inf"), "1", True])
def test_bad_offset_or_duration_is_a_value_error_naming_it(name, value):
    with pytest.raises(ValueError, match=rf"^load: {name}=.* must be a finite number of seconds >= 0$"):
        emovox.load(SENTENCE, **{name: value})


def test_the_rate_returned_is_the_rate_asked_for_as_in_librosa(stereo_files):
    """librosa returns ``sr`` as given (a float stays a float); ``sr=None`` gives the file's."""
    path = stereo_files["pcm16.flac"]
    for sr in (16000, 16000.0, np.int64(16000), None):
        ours = emovox.load(path, sr=sr)[1]
        theirs = librosa.load(path, sr=sr)[1]
        assert ours == theirs and type(ours) is type(theirs), (sr, ours, theirs)


class _BytesPath:
    """An ``os.PathLike[bytes]``."""

    def __init__(self, path):
        self.path = os.fsencode(path)

    def __fspath__(self):
        return self.path


def test_every_kind_of_path_librosa_takes_loads(tmp_path):
    """str, bytes, os.PathLike of either (a name that is not UTF-8 too) and an open file
    descriptor (read from its position, left open), as librosa (soundfile) takes them."""
    expected, their_sr = librosa.load(SENTENCE, sr=None)
    odd = os.path.join(os.fsencode(tmp_path), b"caf\xe9.wav")
    shutil.copy(SENTENCE, odd)
    for path in (os.fsencode(SENTENCE), _BytesPath(SENTENCE), odd, os.fsdecode(odd), Path(os.fsdecode(odd))):
        y, sr = emovox.load(path, sr=None)
        assert sr == their_sr, path
        np.testing.assert_array_equal(y, expected)
    descriptor = os.open(SENTENCE, os.O_RDONLY)
    try:
        y, sr = emovox.load(descriptor, sr=None)
        np.testing.assert_array_equal(y, librosa.load(SENTENCE, sr=None)[0])
        os.fstat(descriptor)  # still open
    finally:
        os.close(descriptor)


def test_a_folder_or_a_text_file_object_is_the_error_python_gives(tmp_path):
    with pytest.raises(IsADirectoryError, match=str(tmp_path)):
        emovox.load(tmp_path)
    with pytest.raises(NotADirectoryError):
        emovox.load(SENTENCE / "inside.wav")
    with pytest.raises(ValueError, match=r"^load: path .* is a text file: open it in binary mode"):
        emovox.load(io.StringIO("RIFF"))
    with open(SENTENCE) as text, pytest.raises(ValueError, match=r"^load: path .* is a text file"):
        emovox.load(text)  # not a UnicodeDecodeError from reading audio as text
    with pytest.raises(ValueError, match=r"^load: unsupported path True"):
        emovox.load(True)
