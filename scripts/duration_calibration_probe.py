#!/usr/bin/env python3
"""Is a model's over-confidence larger for shorter speech, within each corpus?

Scores the held-out clips (RAVDESS actors 19-20 over the model's labels, TurEV-DB speakers 1984
and 7895 over its four labels, probabilities renormalised over them as ``evaluate --subset
present`` does) with ``Classifier.predict``, splits each corpus into terciles of active speech
(10 ms frames within 30 dB of the clip's loudest) and prints per tercile the mean confidence,
the accuracy and their difference (positive: over-confident).

    python scripts/duration_calibration_probe.py ../shared/datasets [model.safetensors]

Needs the emovox Python package (``pip install ./crates/emovox-python``); without a model path
the bundled model is scored. Results: ``docs/experiments.md``, R69.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

import emovox

EMOTIONS = ["neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"]


def active_seconds(y: np.ndarray, sr: int) -> float:
    """Seconds of 10 ms frames within 30 dB of the loudest one."""
    hop = sr // 100
    frames = y[: len(y) // hop * hop].reshape(-1, hop)
    db = 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
    return float(np.sum(db > db.max() - 30)) / 100


def score(classifier, items, labels):
    """(active seconds, confidence, correct) per (path, true label) over `labels`."""
    rows = []
    for path, truth in items:
        y, sr = sf.read(path, dtype="float32")
        if y.ndim > 1:
            y = y.mean(axis=1)
        p = classifier.predict(y, sr)["probabilities"]
        q = np.array([p[label] for label in labels])
        q = q / q.sum()
        k = int(np.argmax(q))
        rows.append((active_seconds(y, sr), float(q[k]), float(labels[k] == truth)))
    return np.array(rows)


def main() -> None:
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    data = Path(sys.argv[1])
    classifier = (emovox.Classifier.load(sys.argv[2]) if len(sys.argv) == 3
                  else emovox.Classifier.bundled())
    ravdess = [(str(f), EMOTIONS[int(f.name.split("-")[2]) - 1]) for actor in (19, 20)
               for f in sorted((data / "ravdess16k" / f"Actor_{actor:02d}").glob("*.wav"))]
    with open(data / "turev16k" / "manifest.csv", newline="") as fh:
        turev = [(str(data / "turev16k" / r["path"]), r["label"]) for r in csv.DictReader(fh)
                 if r["speaker"] in ("1984", "7895")]
    for name, items, labels in [("RAVDESS 19-20", ravdess, EMOTIONS),
                                ("TurEV 1984, 7895", turev, ["angry", "calm", "happy", "sad"])]:
        rows = score(classifier, items, labels)
        print(f"{name}: {len(rows)} clips")
        for part in np.array_split(np.argsort(rows[:, 0]), 3):
            seconds, confidence, correct = rows[part].T
            print(f"  active {seconds.min():.2f}-{seconds.max():.2f} s  confidence "
                  f"{confidence.mean():.3f}  accuracy {correct.mean():.3f}  "
                  f"gap {confidence.mean() - correct.mean():+.3f}")


if __name__ == "__main__":
    main()
