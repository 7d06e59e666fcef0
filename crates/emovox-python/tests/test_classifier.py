"""emovox.Classifier: predictions, batches, timelines, errors, the GIL."""

from __future__ import annotations

import json
import os
import subprocess

import numpy as np
import pytest

import emovox
from conftest import REPO, SPEECH_FIXTURES, generated_signal, runs_without_the_gil

RAVDESS_LABELS = ["neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"]


@pytest.fixture(scope="module")
def classifier():
    return emovox.Classifier.bundled()


@pytest.fixture(scope="module")
def clips():
    return [emovox.load(path, sr=None) for path in SPEECH_FIXTURES]


def test_bundled_model(classifier):
    assert sorted(classifier.labels) == sorted(RAVDESS_LABELS)
    assert classifier.sample_rate == 16000
    assert "Classifier(labels=" in repr(classifier)


def test_prediction_is_a_consistent_dict(classifier, clips):
    for y, sr in clips:
        prediction = classifier.predict(y, sr)
        probabilities = prediction["probabilities"]
        assert list(probabilities) == classifier.labels
        assert abs(sum(probabilities.values()) - 1.0) < 1e-4
        assert prediction["label"] == max(probabilities, key=probabilities.get)
        assert prediction["confidence"] == probabilities[prediction["label"]]
        assert set(prediction) == {"label", "confidence", "probabilities", "novelty", "unfamiliar"}


def test_predictions_equal_the_rust_predict_example(classifier):
    """The same files through the Rust `predict` example (built by `cargo test --release`)."""
    binary = REPO / "target" / "release" / "examples" / "predict"
    binary = os.environ.get("EMOVOX_PREDICT_BIN", str(binary))
    if not os.path.exists(binary):
        pytest.skip(f"{binary} is not built (cargo test --release builds it)")
    output = subprocess.run(
        [binary, "--json", *map(str, SPEECH_FIXTURES)], check=True, capture_output=True, text=True
    ).stdout
    for line, path in zip(output.strip().splitlines(), SPEECH_FIXTURES):
        rust = json.loads(line)
        ours = classifier.predict(*emovox.load(path, sr=None))
        assert ours["label"] == rust["label"]
        for label, p in ours["probabilities"].items():
            assert abs(p - rust["probabilities"][label]) < 1e-5
        assert abs(ours["novelty"] - rust["novelty"]) < 1e-4 * rust["novelty"]
        assert ours["unfamiliar"] == rust["unfamiliar"]


def test_novelty_flags_sounds_unlike_the_training_audio(classifier, clips):
    threshold = classifier.novelty_threshold
    assert threshold is not None and threshold > 1.0
    t = np.arange(32000, dtype=np.float32) / 16000
    tone = classifier.predict(0.3 * np.sin(2 * np.pi * 440 * t), 16000)
    assert tone["unfamiliar"] is True and tone["novelty"] > threshold
    for y, sr in clips:
        prediction = classifier.predict(y, sr)
        assert isinstance(prediction["unfamiliar"], bool)
        assert prediction["unfamiliar"] == (prediction["novelty"] > threshold)
        # The level is not a cue, for novelty either.
        quieter = classifier.predict(y * np.float32(0.05), sr)
        assert abs(quieter["novelty"] - prediction["novelty"]) < 0.01 * prediction["novelty"]


def test_resampled_and_float64_input(classifier, clips):
    y, sr = clips[0]
    at_16k = classifier.predict(y, sr)
    assert classifier.predict(y.astype(np.float64), sr) == at_16k
    y48, _ = emovox.load(SPEECH_FIXTURES[0], sr=48000)
    assert classifier.predict(y48, 48000)["label"] == at_16k["label"]


def test_batch_equals_one_by_one_and_keeps_going_past_bad_clips(classifier, clips):
    arrays = [y for y, _ in clips] + [generated_signal(16000, 2.0, 3)]
    one_by_one = [classifier.predict(y, 16000) for y in arrays]
    assert classifier.predict_batch(arrays, 16000) == one_by_one
    bad = arrays[0].copy()
    bad[5] = np.nan
    mixed = classifier.predict_batch([arrays[0], bad, np.zeros(10, np.float32), arrays[1]], 16000, errors="return")
    assert mixed[0] == one_by_one[0] and mixed[3] == one_by_one[1]
    assert "non-finite sample" in mixed[1]["error"] and list(mixed[1]) == ["error"]
    assert "error" in mixed[2]
    with pytest.raises(ValueError, match="non-finite sample"):
        classifier.predict_batch([arrays[0], bad], 16000)


def test_adapt_to_speakers_removes_each_speakers_mean_log_probability(classifier, clips):
    arrays = [y for y, _ in clips] + [generated_signal(16000, 2.0, seed) for seed in (3, 4)]
    predictions = classifier.predict_batch(arrays, 16000)
    predictions.append({"error": "a refused clip"})
    # Speakers "a" and "b" alternate; "c" has one clip; the refused clip is "a"'s.
    speakers = ["ab"[i % 2] for i in range(len(predictions) - 2)] + ["c", "a"]
    adapted = emovox.adapt_to_speakers(predictions, speakers)
    # The same rule in numpy (floor 1e-7, mean log-probability per speaker, softmax); the
    # refused clip passes through and a speaker with one clip keeps its probabilities.
    labels = classifier.labels
    scored = [i for i, p in enumerate(predictions) if "error" not in p]
    logs = {i: np.log(np.maximum([predictions[i]["probabilities"][l] for l in labels], 1e-7)) for i in scored}
    for i in scored:
        same = [j for j in scored if speakers[j] == speakers[i]]
        if len(same) == 1:
            expected = np.array([predictions[i]["probabilities"][l] for l in labels])
        else:
            shifted = logs[i] - np.mean([logs[j] for j in same], axis=0)
            expected = np.exp(shifted - shifted.max())
            expected /= expected.sum()
        got = np.array([adapted[i]["probabilities"][l] for l in labels])
        np.testing.assert_allclose(got, expected, atol=1e-6)
        assert adapted[i]["label"] == labels[int(np.argmax(got))]
        assert adapted[i]["confidence"] == max(got)
        # A clip's novelty is its own, not its speaker's: kept as it was.
        assert (adapted[i]["novelty"], adapted[i]["unfamiliar"]) == (predictions[i]["novelty"], predictions[i]["unfamiliar"])
    assert adapted[-1] == {"error": "a refused clip"}
    assert adapted[0] != predictions[0]
    with pytest.raises(ValueError, match="speakers"):
        emovox.adapt_to_speakers(predictions, speakers[:-1])
    broken = [dict(predictions[0], probabilities=dict(predictions[0]["probabilities"], calm=float("nan")))]
    with pytest.raises(ValueError, match="NaN"):
        emovox.adapt_to_speakers(broken + predictions[1:2], ["a", "a"])


def test_nan_and_bad_input_are_value_errors_with_the_rust_message(classifier, clips):
    y, sr = clips[0]
    bad = y.copy()
    bad[1234] = np.nan
    with pytest.raises(ValueError, match=r"^non-finite sample \(NaN or infinity\) at index 1234$"):
        classifier.predict(bad, sr)
    with pytest.raises(ValueError, match="no samples"):
        classifier.predict(np.zeros(0, np.float32), sr)
    with pytest.raises(ValueError, match="unsupported sample rate"):
        classifier.predict(y, 10)
    with pytest.raises(ValueError, match="mono"):
        classifier.predict(np.stack([y, y]), sr)
    with pytest.raises(ValueError, match=r"^the clip is silent: its loudest 20 ms is at -inf dBFS, below -90 dBFS"):
        classifier.predict(np.zeros(32000, np.float32), sr)


def test_timeline(classifier, clips):
    pause = np.zeros(8000, np.float32)
    recording = np.concatenate([clips[0][0], pause, clips[1][0], pause, clips[0][0]])
    segments = classifier.timeline(recording, 16000)
    assert segments, "speech was found"
    duration = recording.size / 16000
    for segment in segments:
        assert 0.0 <= segment["start"] < segment["end"] <= duration + 1e-9
        assert segment["label"] in classifier.labels
        assert segment["confidence"] == segment["probabilities"][segment["label"]]
        assert segment["novelty"] > 0.0
    assert all(a["end"] <= b["start"] + 1e-9 for a, b in zip(segments, segments[1:]))
    # Adapted to the recording: the same speech found, each stretch relative to the
    # recording's usual (the Rust test checks the arithmetic; here the binding's plumbing).
    adapted = classifier.timeline(recording, 16000, adapt=True)
    assert adapted and adapted != segments
    assert adapted[0]["start"] == segments[0]["start"] and adapted[-1]["end"] == segments[-1]["end"]
    for segment in adapted:
        assert abs(sum(segment["probabilities"].values()) - 1.0) < 1e-4
        assert segment["novelty"] > 0.0
    with pytest.raises(ValueError, match="segment configuration|hop"):
        classifier.timeline(recording, 16000, window=1.0, hop=2.0)
    with pytest.raises(ValueError):
        classifier.timeline(recording[:4000], 16000)


def test_model_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        emovox.Classifier.load(tmp_path / "missing.safetensors")
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\x00" * 64)
    with pytest.raises(ValueError, match="model file"):
        emovox.Classifier.load(junk)
    loaded = emovox.Classifier.load(REPO / "models" / "emovox.safetensors")
    assert loaded.labels == emovox.Classifier.bundled().labels


def test_the_gil_is_released_during_heavy_work(classifier, clips, tmp_path):
    import soundfile

    # An hour: one mfcc call over it is long enough to time (> 0.1 s; 30 minutes took 0.093 s).
    long_signal = np.tile(generated_signal(16000, 10.0), 360)
    batch = [clips[0][0]] * 256  # long enough to time (> 0.1 s) on a fast machine
    pause = np.zeros(8000, np.float32)
    recording = np.concatenate([part for y, _ in clips for part in (y, pause)] * 20)
    # Ten minutes on disk: loading it resampled, or predicting it, takes > 0.1 s.
    wav = tmp_path / "ten_minutes.wav"
    soundfile.write(wav, long_signal[: 16000 * 600], 16000, subtype="PCM_16")
    for name, work in (
        ("mfcc", lambda: emovox.feature.mfcc(y=long_signal, sr=16000, n_fft=512, hop_length=160, n_mels=40)),
        ("melspectrogram", lambda: emovox.feature.melspectrogram(y=long_signal, sr=16000)),
        ("predict_batch", lambda: classifier.predict_batch(batch, 16000)),
        ("predict_files", lambda: classifier.predict_files([wav])),
        ("timeline", lambda: classifier.timeline(recording, 16000)),
        ("load", lambda: emovox.load(wav, sr=22050)),
    ):
        share = runs_without_the_gil(name, work)
        # Holding the GIL, the counting thread gets no turn in the middle at all (share 0).
        assert share > 0.5, f"{name}: the other thread ran only in {share:.0%} of the work"


@pytest.mark.parametrize("sr", [10**12, 5_000_000_000, 800_000, 999, 0, -5, 16000.5, float("inf"), float("nan"), True])
def test_a_bad_rate_is_a_value_error_naming_sr(classifier, clips, sr):
    y = clips[0][0]
    long = np.concatenate([y, y])
    calls = {
        "predict": lambda: classifier.predict(y, sr),
        "predict_batch": lambda: classifier.predict_batch([y], sr, errors="return"),
        "timeline": lambda: classifier.timeline(long, sr),
    }
    for function, call in calls.items():
        with pytest.raises(ValueError, match=rf"^{function}: (unsupported sample rate )?sr="):
            call()


def test_timeline_windows_shorter_than_a_second(classifier, clips):
    """The shortest audio classified follows a window under 1 s (Python cannot set it)."""
    y = clips[0][0]
    recording = np.concatenate([y, np.zeros(8000, np.float32), y])
    for window, hop in ((0.5, 0.25), (0.1, 0.1)):
        segments = classifier.timeline(recording, 16000, window=window, hop=hop)
        assert segments and all(s["label"] in classifier.labels for s in segments)
    # A recording of 0.75 s: long enough for 0.5 s windows, too short for the default 2 s ones.
    assert classifier.timeline(y[:12000], 16000, window=0.5, hop=0.25) is not None
    with pytest.raises(ValueError, match="shorter than the minimum window of 1.000 s"):
        classifier.timeline(y[:12000], 16000)
    # Windows shorter than one feature frame (80 ms) are refused up front, naming window.
    with pytest.raises(ValueError, match=r"^timeline: window=0.05 s is shorter than the 0.080 s"):
        classifier.timeline(recording, 16000, window=0.05, hop=0.05)
    # Windows and hops that are no positive number of seconds are named.
    for window, hop, named in ((0.0, 0.5, "window"), (-1.0, 0.5, "window"), (float("nan"), 0.5, "window"),
                               (10**400, 0.5, "window"), ("2", 0.5, "window"), (2.0, None, "hop"), (2.0, float("inf"), "hop")):
        with pytest.raises(ValueError, match=rf"^timeline: {named}="):
            classifier.timeline(recording, 16000, window=window, hop=hop)


def test_batch_items_that_are_not_mono_float_audio_are_their_own_errors(classifier, clips):
    y = clips[0][0]
    expected = classifier.predict(y, 16000)
    batch = [y, np.stack([y, y]), (y * 100).astype(np.int32), None, y]
    results = classifier.predict_batch(batch, 16000, errors="return")
    assert results[0] == expected and results[4] == expected
    assert list(results[1]) == ["error"] and "mono" in results[1]["error"]
    assert list(results[2]) == ["error"] and "floating-point" in results[2]["error"]
    assert list(results[3]) == ["error"] and "required" in results[3]["error"]
    with pytest.raises(ValueError, match="mono") as raised:
        classifier.predict_batch(batch, 16000)
    if hasattr(raised.value, "__notes__"):
        assert raised.value.__notes__ == ["(clip 1 of the batch)"]
    # 'raise' reports the first refused clip in batch order, whichever side refused it.
    nan = y.copy()
    nan[7] = np.nan
    with pytest.raises(ValueError, match="non-finite sample"):
        classifier.predict_batch([nan, np.stack([y, y])], 16000)


@pytest.mark.parametrize("sr", [16000, 22050, 48000])
def test_a_clip_shorter_than_one_frame_is_too_short_not_silent(classifier, sr):
    """A single sample minus its mean is silence to the level check; its fault is its length."""
    # (One sample at 48 kHz resamples to none: the facade calls that "empty", silent or not.)
    single = np.ones(1 if sr < 48000 else 3, np.float32)
    for clip in (single, np.full(1000, 0.5, np.float32), np.zeros(50, np.float32)):
        with pytest.raises(ValueError, match=r"^the signal has \d+ samples?, shorter than one frame of \d+ samples$"):
            classifier.predict(clip, sr)
        [result] = classifier.predict_batch([clip], sr, errors="return")
        assert "shorter than one frame" in result["error"]
    # Long enough to be measured, a constant or digital silence is still silent.
    for clip in (np.zeros(sr, np.float32), np.full(sr, 0.5, np.float32)):
        with pytest.raises(ValueError, match="^the clip is silent"):
            classifier.predict(clip, sr)


def test_predict_files_equals_load_and_predict_and_keeps_going_past_bad_files(classifier, tmp_path):
    """Each row equals emovox.load + predict on that file (every channel with channels='each');
    a missing file, a file that is not audio and a silent one are their own error rows."""
    import soundfile

    stereo = tmp_path / "call.flac"
    left, right = SPEECH_FIXTURES[0], SPEECH_FIXTURES[1]
    a, sr = emovox.load(left, sr=16000)
    b, _ = emovox.load(right, sr=16000)
    n = min(len(a), len(b))
    soundfile.write(stereo, np.stack([a[:n], 0.5 * b[:n]], axis=1), sr)
    (tmp_path / "notes.wav").write_bytes(b"not audio at all")
    soundfile.write(tmp_path / "silent.wav", np.zeros(16000, np.float32), 16000)
    paths = [str(left), str(tmp_path / "missing.wav"), str(tmp_path / "notes.wav"), str(tmp_path / "silent.wav"), stereo]

    rows = classifier.predict_files(paths)
    assert [row["path"] for row in rows] == [str(p) for p in paths]
    assert [row["channel"] for row in rows] == [None] * 5
    assert rows[1]["error"].startswith("FileNotFoundError: ")
    assert rows[2]["error"].startswith("ValueError: ") and rows[3]["error"].startswith("ValueError: ")
    for row in (rows[0], rows[4]):
        y, rate = emovox.load(row["path"], sr=None)
        assert "error" not in row and row == {"path": row["path"], "channel": None, **classifier.predict(y, rate)}

    each = classifier.predict_files([stereo, tmp_path / "missing.wav"], channels="each")
    assert [(row["path"], row["channel"]) for row in each] == [
        (str(stereo), 0),
        (str(stereo), 1),
        (str(tmp_path / "missing.wav"), None),
    ]
    channels, rate = emovox.load(stereo, sr=None, mono=False)
    for row, channel in zip(each, channels):
        assert row == {"path": str(stereo), "channel": row["channel"], **classifier.predict(channel, rate)}
    assert "error" in each[2]
    with pytest.raises(ValueError, match="channels="):
        classifier.predict_files(paths, channels="left")
    with pytest.raises(ValueError, match="one path"):
        classifier.predict_files(str(left))  # not its characters, one by one


def test_bytes_paths_and_folders_as_python_treats_them(classifier, tmp_path):
    """A bytes path (or an os.PathLike of one) is a path, as in emovox.load and librosa; a
    folder is IsADirectoryError; in predict_files each is its own row, the batch goes on."""
    model = REPO / "models" / "emovox.safetensors"
    assert emovox.Classifier.load(os.fsencode(model)).labels == classifier.labels
    with pytest.raises(IsADirectoryError, match=str(tmp_path)):
        emovox.Classifier.load(tmp_path)
    with pytest.raises(FileNotFoundError):
        emovox.Classifier.load(os.fsencode(tmp_path / "missing.safetensors"))
    clip = SPEECH_FIXTURES[0]
    rows = classifier.predict_files([os.fsencode(clip), clip, tmp_path])
    assert [row["path"] for row in rows] == [os.fsencode(clip), str(clip), str(tmp_path)]
    y, sr = emovox.load(clip, sr=None)
    expected = classifier.predict(y, sr)
    assert {k: rows[0][k] for k in expected} == expected == {k: rows[1][k] for k in expected}
    assert rows[2]["error"].startswith("IsADirectoryError: ")


@pytest.mark.parametrize("adapt", ["no", "False", 0, 1, None, [False]])
def test_timeline_adapt_must_be_a_bool(classifier, clips, adapt):
    """A truthy non-bool (the string 'no') silently adapted the timeline."""
    y, sr = clips[0]
    with pytest.raises(ValueError, match=r"^timeline: adapt=.* must be True or False$"):
        classifier.timeline(y, sr, adapt=adapt)
    assert classifier.timeline(y, sr, adapt=np.bool_(False)) == classifier.timeline(y, sr, adapt=False)
