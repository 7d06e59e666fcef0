#!/usr/bin/env python3
"""Spectral balance by label and speaker: is the balance an emotion cue, a speaker's, or both?

The balance is what `emovox_features::BalanceNormalisation` normalises: the energy of a clip
through a second-order Butterworth high-pass at 1 kHz over its energy through the low-pass, in
dB. Prints percentiles over every third clip of RAVDESS (actors 01-20) and TurEV-DB, the median
per label, and TurEV's median per speaker.

    python scripts/balance_by_label.py ../shared/datasets

Needs numpy, scipy and soundfile (librosa's dependencies).
"""

from __future__ import annotations

import collections
import csv
import sys
from pathlib import Path

import numpy as np
import scipy.signal as sg
import soundfile as sf

RAVDESS_EMOTIONS = {
    "01": "neutral", "02": "calm", "03": "happy", "04": "sad",
    "05": "angry", "06": "fearful", "07": "disgust", "08": "surprised",
}


def balance_db(path: Path) -> float:
    x, rate = sf.read(path, dtype="float32")
    low = sg.butter(2, 1000, "low", fs=rate, output="sos")
    high = sg.butter(2, 1000, "high", fs=rate, output="sos")
    return 10 * np.log10(np.sum(sg.sosfilt(high, x) ** 2) / np.sum(sg.sosfilt(low, x) ** 2))


def report(name: str, groups: dict[str, list[float]]) -> None:
    every = [b for values in groups.values() for b in values]
    p10, p50, p90 = np.percentile(every, [10, 50, 90])
    print(f"{name}: {len(every)} clips, balance p10 {p10:.1f} / median {p50:.1f} / p90 {p90:.1f} dB")
    for key, values in sorted(groups.items()):
        print(f"  {key:>10}  median {np.median(values):6.1f} dB  ({len(values)} clips)")


def main() -> None:
    datasets = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/datasets")
    ravdess = collections.defaultdict(list)
    clips = sorted((datasets / "ravdess16k").glob("Actor_*/*.wav"))
    for path in clips[::3]:
        ravdess[RAVDESS_EMOTIONS[path.name.split("-")[2]]].append(balance_db(path))
    report("RAVDESS by label", ravdess)
    turev, speakers = collections.defaultdict(list), collections.defaultdict(list)
    manifest = datasets / "turev16k" / "manifest.csv"
    with open(manifest, newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows[::3]:
        path = Path(row["path"])
        b = balance_db(path if path.is_absolute() else manifest.parent / path)
        turev[row["label"]].append(b)
        speakers[row["speaker"]].append(b)
    report("TurEV-DB by label", turev)
    report("TurEV-DB by speaker", speakers)


if __name__ == "__main__":
    main()
