#!/usr/bin/env python3
"""Does adapting a timeline to its recording help? A measurement on held-out speakers.

For each held-out speaker (RAVDESS actors 19 and 20; TurEV-DB speakers 1984 and 7895) every clip
of the speaker is put into one long recording, in a seeded random order, 0.5 s of silence
between clips. The recording's timeline is computed by the bundled model, or the model file
given (default 2 s windows, 0.5 s hop), as it is and adapted to the recording (``Classifier.timeline(..., adapt=True)``).
Each clip is given the label of the timeline segment that overlaps it most (over the labels its
corpus has, probabilities renormalised, as ``evaluate --subset present`` scores); a clip no
segment overlaps counts as wrong. Prints UAR per corpus for both.

    python scripts/timeline_adaptation_probe.py ../shared/datasets [model.safetensors]

Needs the emovox Python package (``pip install ./crates/emovox-python``).
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

import numpy as np

import emovox

RAVDESS = ["neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"]
PAUSE = np.zeros(8000, np.float32)


def ravdess_clips(root: Path, actor: int):
    for path in sorted((root / "ravdess16k" / f"Actor_{actor:02d}").glob("*.wav")):
        yield path, RAVDESS[int(path.stem.split("-")[2]) - 1]


def turev_clips(root: Path, speaker: str):
    manifest = root / "turev16k" / "manifest.csv"
    with open(manifest, newline="") as handle:
        for row in csv.DictReader(handle):
            if row["speaker"] == speaker:
                yield manifest.parent / row["path"], row["label"]


def score(classifier, clips, labels, seed: int):
    """(truths, predictions with and without adaptation) for one speaker's recording."""
    clips = list(clips)
    random.Random(seed).shuffle(clips)
    pieces, spans, t = [], [], 0.0
    for path, label in clips:
        y, _ = emovox.load(path, sr=16000)
        pieces += [y, PAUSE]
        spans.append((t, t + y.size / 16000, label))
        t += (y.size + PAUSE.size) / 16000
    recording = np.concatenate(pieces)
    out = {}
    for adapt in (False, True):
        segments = classifier.timeline(recording, 16000, adapt=adapt)
        predicted = []
        for start, end, _ in spans:
            overlaps = [(min(end, s["end"]) - max(start, s["start"]), s) for s in segments]
            overlap, best = max(overlaps, key=lambda o: o[0], default=(0.0, None))
            if best is None or overlap <= 0.0:
                predicted.append(None)
                continue
            kept = {l: best["probabilities"][l] for l in labels}
            predicted.append(max(kept, key=kept.get))
        out[adapt] = predicted
    return [label for _, _, label in spans], out


def uar(truths, predicted, labels):
    recalls = [np.mean([p == l for t, p in zip(truths, predicted) if t == l]) for l in labels if l in truths]
    return float(np.mean(recalls))


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/datasets")
    classifier = emovox.Classifier.load(sys.argv[2]) if len(sys.argv) > 2 else emovox.Classifier.bundled()
    corpora = {
        "RAVDESS 19-20": (RAVDESS, [ravdess_clips(root, a) for a in (19, 20)]),
        "TurEV 1984, 7895": (["angry", "calm", "happy", "sad"], [turev_clips(root, s) for s in ("1984", "7895")]),
    }
    for name, (labels, speakers) in corpora.items():
        truths, plain, adapted = [], [], []
        for seed, clips in enumerate(speakers):
            t, predicted = score(classifier, clips, labels, seed)
            truths += t
            plain += predicted[False]
            adapted += predicted[True]
        print(
            f"{name}: {len(truths)} clips, timeline UAR {uar(truths, plain, labels):.3f}, "
            f"adapted to the recording {uar(truths, adapted, labels):.3f}"
        )


if __name__ == "__main__":
    main()
