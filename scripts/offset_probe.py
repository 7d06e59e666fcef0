#!/usr/bin/env python3
"""Does a constant offset, a low-frequency rumble or mains hum change a model's answers?

For every third clip of RAVDESS actors 19 and 20 (held out from every emovox model), predicts
the clip as recorded and with a DC offset, a sine below speech or mains hum added (each relative
to the clip's RMS, silences included; hum as `Condition::Hum`: the mains frequency and its
harmonics to the 5th at amplitudes 1/k, here with phases from a fixed generator), and, for
scale, white noise at the same SNRs; prints per condition how many labels stay the same and the
largest change of any probability.

    python scripts/offset_probe.py ../shared/datasets [model.safetensors]

Needs the emovox Python package (``pip install ./crates/emovox-python``) and numpy; without a
model path the bundled model is probed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import emovox

RATE = 16_000


def conditions(y: np.ndarray) -> dict[str, np.ndarray]:
    rms = float(np.sqrt(np.mean(y.astype(np.float64) ** 2)))
    t = np.arange(len(y)) / RATE
    out = {}
    for db in (-20, -6, 0):
        out[f"offset {db:+d} dB"] = y + rms * 10 ** (db / 20)
    for hz in (5, 20, 50):
        for db in (-10, 0):
            amplitude = np.sqrt(2) * rms * 10 ** (db / 20)
            out[f"{hz} Hz sine {db:+d} dB"] = y + amplitude * np.sin(2 * np.pi * hz * t)
    rng = np.random.default_rng(0)
    for snr in (30, 20):
        scale = rms * 10 ** (-snr / 20)
        out[f"white noise {snr} dB SNR"] = y + scale * rng.standard_normal(len(y))
        for hz in (50, 60):
            hum = sum(np.sin(2 * np.pi * k * hz * t + rng.uniform(0, 2 * np.pi)) / k for k in range(1, 6))
            out[f"{hz} Hz hum {snr} dB SNR"] = y + scale * hum / np.sqrt(np.mean(hum**2))
    return {name: x.astype(np.float32) for name, x in out.items()}


def main() -> None:
    datasets = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/datasets")
    model = emovox.Classifier.load(sys.argv[2]) if len(sys.argv) > 2 else emovox.Classifier.bundled()
    clips = []
    for actor in ("19", "20"):
        clips += sorted((datasets / "ravdess16k" / f"Actor_{actor}").glob("*.wav"))[::3]
    same: dict[str, int] = {}
    worst: dict[str, float] = {}
    for path in clips:
        y, rate = emovox.load(str(path), sr=None)
        assert rate == RATE, path
        reference = model.predict(y, rate)
        for name, x in conditions(y).items():
            p = model.predict(x, rate)
            same[name] = same.get(name, 0) + (p["label"] == reference["label"])
            change = max(abs(p["probabilities"][k] - v) for k, v in reference["probabilities"].items())
            worst[name] = max(worst.get(name, 0.0), change)
    print(f"{len(clips)} clips of RAVDESS actors 19-20; relative to each clip's RMS")
    for name in same:
        print(f"{name:>20}: same label {same[name]:3d}/{len(clips)}, largest probability change {worst[name]:.3f}")


if __name__ == "__main__":
    main()
