"""examples/python/ray_batch.py on a local Ray (2 CPUs) over generated clips, some bad."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import soundfile

import emovox
from conftest import REPO, SPEECH_FIXTURES, generated_signal

pytest.importorskip("ray", reason="ray[data] is not installed (pip install 'ray[data]')")
pandas = pytest.importorskip("pandas")

SCRIPT = REPO / "examples" / "python" / "ray_batch.py"
GOOD_CLIPS = 200
# Each node of the two-node cluster keeps a small object store (the rows pass through it).
SMALL_STORE = {"object_store_memory": 200 * 1024 * 1024}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory):
    """200 short good clips (generated and espeak-ng speech, 0.6-2.5 s, WAV and FLAC at 16, 22.05
    and 48 kHz) and 6 bad files; returns (manifest path, bad file names)."""
    folder = tmp_path_factory.mktemp("clips")
    rng = np.random.default_rng(7)
    speech = [emovox.load(path, sr=16000)[0] for path in SPEECH_FIXTURES]
    rows = []
    for i in range(GOOD_CLIPS):
        seconds = float(rng.uniform(0.6, 2.5))
        if i % 2:
            source = speech[i % len(speech)]
            start = int(rng.integers(0, max(1, source.size - int(seconds * 16000))))
            y, sr = source[start : start + int(seconds * 16000)], 16000
        else:
            sr = (16000, 22050, 48000)[i % 3]
            y = generated_signal(sr, seconds, seed=i)
        name = f"clip{i:03d}.{'flac' if i % 5 == 0 else 'wav'}"
        soundfile.write(folder / name, y, sr)
        rows.append(name)
    bad = {
        "empty.wav": b"",
        "garbage.wav": b"RIFF not really a wave file" * 20,
        "text.mp3": b"hello" * 100,
    }
    for name, content in bad.items():
        (folder / name).write_bytes(content)
    truncated = (folder / "clip000.flac").read_bytes()
    (folder / "truncated.flac").write_bytes(truncated[: len(truncated) // 3])
    soundfile.write(folder / "too_short.wav", np.zeros(50, np.float32), 16000)
    bad_names = [*bad, "truncated.flac", "too_short.wav", "missing.wav"]
    path = folder / "manifest.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path"])
        for name in rows[:100] + bad_names + rows[100:]:
            writer.writerow([name])
    return path, bad_names


def run_script(manifest_path, out, *extra):
    """Runs the script on a local Ray of 2 CPUs, or on the cluster `extra` gives (``--address``)."""
    local = [] if "--address" in extra else ["--num-cpus", "2"]
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(manifest_path), "--out", str(out), *local, *extra],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def read_rows(out, suffix):
    files = sorted(out.glob(f"*.{suffix}"))
    assert files, f"no .{suffix} files in {out}"
    if suffix == "parquet":
        return pandas.concat([pandas.read_parquet(f) for f in files], ignore_index=True)
    return pandas.concat([pandas.read_json(f, lines=True) for f in files], ignore_index=True)


def test_every_file_is_a_row_and_labels_equal_one_by_one_predictions(manifest, tmp_path):
    manifest_path, bad_names = manifest
    figures = run_script(manifest_path, tmp_path / "out", "--compare-loop")
    rows = read_rows(tmp_path / "out", "parquet").set_index("path")
    folder = manifest_path.parent
    assert len(rows) == GOOD_CLIPS + len(bad_names) == figures["clips"] == figures["ray_rows_written"]
    classifier = emovox.Classifier.bundled()
    for name in bad_names:
        row = rows.loc[str(folder / name)]
        assert isinstance(row["error"], str) and row["error"], name
        assert pandas.isna(row["label"])
    for path, row in rows.iterrows():
        if os.path.basename(path) in bad_names:
            continue
        assert pandas.isna(row["error"]), (path, row["error"])
        assert pandas.isna(row["channel"])  # the channels' mean
        expected = classifier.predict(*emovox.load(path, sr=None))
        assert row["label"] == expected["label"], path
        for label, p in expected["probabilities"].items():
            assert abs(row[f"p_{label}"] - p) < 1e-6
        assert abs(row["novelty"] - expected["novelty"]) < 1e-6 * expected["novelty"]
        assert bool(row["unfamiliar"]) == expected["unfamiliar"]
    # Throughput is recorded, not asserted (see README "Python" for the measured figures).
    print("ray_batch figures:", json.dumps(figures))


def test_a_cluster_of_two_nodes_scores_on_both(manifest, tmp_path):
    """The script unchanged on a running multi-node cluster (``--address``): two Ray nodes of one
    CPU each (two raylets on this machine, `ray.cluster_utils.Cluster`), so the second actor can
    only run on the second node; every file is a row, each as ``Classifier.predict`` has it."""
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False, **SMALL_STORE})
    try:
        cluster.add_node(num_cpus=1, **SMALL_STORE)
        cluster.wait_for_nodes()
        manifest_path, bad_names = manifest
        figures = run_script(manifest_path, tmp_path / "out", "--address", cluster.address, "--batch-size", "16")
    finally:
        cluster.shutdown()
    assert figures["ray_nodes"] == 2 and figures["ray_nodes_scoring"] == 2, figures
    rows = read_rows(tmp_path / "out", "parquet").set_index("path")
    assert len(rows) == GOOD_CLIPS + len(bad_names) == figures["ray_rows_written"]
    assert rows["error"].notna().sum() == len(bad_names)
    classifier = emovox.Classifier.bundled()
    for path in rows.index[::20]:
        if os.path.basename(path) not in bad_names:
            assert rows.loc[path, "label"] == classifier.predict(*emovox.load(path, sr=None))["label"], path


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_rows_adapted_by_speaker_equal_adapt_to_speakers(manifest, tmp_path, fmt):
    """``--adapt-by speaker``: the rows again in OUT/adapted, each speaker's as
    ``emovox.adapt_to_speakers`` makes ``Classifier.predict``'s of that speaker's files; a bad
    file stays an error row."""
    manifest_path, bad_names = manifest
    folder = manifest_path.parent
    names = [f"clip{i:03d}.{'flac' if i % 5 == 0 else 'wav'}" for i in range(24)] + bad_names[:2]
    speakers = ["agent-a" if i % 3 else "agent-b" for i in range(len(names))]
    with open(tmp_path / "calls.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["speaker", "path"])
        writer.writerows(zip(speakers, (str(folder / n) for n in names)))
    figures = run_script(tmp_path / "calls.csv", tmp_path / "out", "--format", fmt, "--adapt-by", "speaker")
    assert figures["adapted_rows"] == len(names)
    rows = read_rows(tmp_path / "out" / "adapted", "parquet" if fmt == "parquet" else "json").set_index("path")
    assert len(rows) == len(names)
    classifier = emovox.Classifier.bundled()
    predictions = []
    for name in names:
        path = folder / name
        predictions.append({"error": "bad"} if name in bad_names else classifier.predict(*emovox.load(path, sr=None)))
    expected = emovox.adapt_to_speakers(predictions, speakers)
    changed = 0
    for name, speaker, plain, adapted in zip(names, speakers, predictions, expected):
        row = rows.loc[str(folder / name)]
        assert row["speaker"] == speaker
        if "error" in adapted:
            assert isinstance(row["error"], str) and row["error"]
            continue
        assert row["label"] == adapted["label"], name
        for label, p in adapted["probabilities"].items():
            assert abs(row[f"p_{label}"] - p) < 1e-5
        changed += adapted["label"] != plain["label"]
    assert changed > 0  # adaptation moved some answers: the rows are not the plain ones
    # One file listed for two speakers, a folder (no speaker column), channels of different speakers.
    with open(tmp_path / "twice.csv", "w", newline="") as handle:
        csv.writer(handle).writerows([["speaker", "path"], ["a", str(folder / names[0])], ["b", str(folder / names[0])]])
    for target, bad_args in ((tmp_path / "twice.csv", ()), (folder, ()), (tmp_path / "calls.csv", ("--channels", "each"))):
        result = subprocess.run(
            [sys.executable, str(SCRIPT), str(target), "--out", str(tmp_path / "no"), "--adapt-by", "speaker", *bad_args],
            capture_output=True, text=True, timeout=120,
        )
        assert result.returncode == 2 and ("--adapt-by" in result.stderr or "two speakers" in result.stderr), result.stderr


def test_jsonl_output_and_folder_manifest(manifest, tmp_path):
    manifest_path, bad_names = manifest
    figures = run_script(manifest_path.parent, tmp_path / "json", "--format", "jsonl")
    rows = read_rows(tmp_path / "json", "json")
    # The folder holds every file but the missing one.
    assert len(rows) == figures["clips"] == GOOD_CLIPS + len(bad_names) - 1
    assert rows["error"].notna().sum() == len(bad_names) - 1


def test_each_channel_of_a_stereo_call_is_its_own_row(tmp_path):
    """``--channels each``: one row per channel (a mono file is channel 0), each channel's
    prediction as ``Classifier.predict`` gives it for that channel alone."""
    folder = tmp_path / "calls"
    folder.mkdir()
    speech = emovox.load(SPEECH_FIXTURES[0], sr=16000)[0]
    other = generated_signal(16000, speech.size / 16000, seed=3)
    soundfile.write(folder / "call.wav", np.stack([speech, other], axis=1), 16000, subtype="ULAW")
    soundfile.write(folder / "mono.wav", speech, 16000)
    (folder / "broken.wav").write_bytes(b"RIFF")
    figures = run_script(folder, tmp_path / "out", "--format", "jsonl", "--channels", "each")
    rows = read_rows(tmp_path / "out", "json")
    assert figures["clips"] == 3 and len(rows) == 4
    classifier = emovox.Classifier.bundled()
    call, _ = emovox.load(folder / "call.wav", sr=None, mono=False)
    expected = {
        ("call.wav", 0): classifier.predict(call[0], 16000),
        ("call.wav", 1): classifier.predict(call[1], 16000),
        ("mono.wav", 0): classifier.predict(speech, 16000),
    }
    for _, row in rows.iterrows():
        name = os.path.basename(row["path"])
        if name == "broken.wav":
            assert isinstance(row["error"], str) and pandas.isna(row["channel"])
            continue
        prediction = expected.pop((name, int(row["channel"])))
        assert row["label"] == prediction["label"]
        for label, p in prediction["probabilities"].items():
            assert abs(row[f"p_{label}"] - p) < 1e-6
    assert not expected, f"rows missing: {expected}"
