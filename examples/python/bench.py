"""emovox from Python against librosa and against emovox's own Rust figures, single thread.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python examples/python/bench.py [--rust]

1. ``emovox.feature.mfcc`` vs ``librosa.feature.mfcc`` on the same 10 s arrays in this process,
   speech preset (16 kHz, n_fft 512, win 400, hop 160, 40 mels, 0-8000 Hz, 40 MFCC), and their
   largest difference. Floor: emovox >= 4x librosa, within 2e-3.
2. ``Classifier.predict`` of the bundled model on a 4 s clip (the signal of
   ``benches/predict.rs``), per clip, timed in turn with ``librosa.feature.mfcc`` of the same
   clip (speech preset), so that a change in the machine's load hits both alike: their ratio is
   issue 12's figure (floor: predict at most 3x librosa's MFCC). With ``--rust`` the script
   also runs ``RAYON_NUM_THREADS=1 cargo bench --bench predict`` and prints the ratio Python /
   Rust (floor: within 10 %).

Everything runs on one thread: OMP/OPENBLAS/MKL/RAYON thread counts are set to 1 before numpy
and emovox are imported. Prints one JSON line per measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import time
from pathlib import Path

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS"):
    os.environ[variable] = "1"

import numpy as np  # noqa: E402

import emovox  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SR = 16000
SPEECH = dict(sr=SR, n_mfcc=40, n_fft=512, hop_length=160, win_length=400, n_mels=40, fmin=0.0, fmax=8000.0)


def mfcc_clip(seed: int) -> np.ndarray:
    """10 s like ``benches/mfcc.rs``: two drifting tones plus noise."""
    t = np.arange(10 * SR) / SR
    noise = np.random.default_rng(seed).random(t.size) - 0.5
    y = 0.4 * np.sin(2 * np.pi * 220 * t) + 0.2 * np.sin(2 * np.pi * (300 + 150 * t) * t) + 0.05 * noise
    return y.astype(np.float32)


def predict_clip() -> np.ndarray:
    """The 4 s signal of ``benches/predict.rs`` (a gliding harmonic tone with noise), in float32."""
    state = 12345
    noise = np.empty(64000, np.float32)
    for i in range(64000):
        state = (state * 1664525 + 1013904223) % 2**32
        noise[i] = (state >> 8) / float(1 << 24) - 0.5
    t = np.arange(64000, dtype=np.float32) / np.float32(16000)
    pitch = 150 + 40 * np.sin(2 * t)
    voiced = sum(np.sin(2 * np.pi * pitch * h * t) / h for h in range(1, 6))
    return (0.2 * voiced + 0.01 * noise).astype(np.float32)


def interleaved_medians(functions, seconds: float) -> tuple[list[float], int]:
    """Median seconds per call of each function, calling them in turn (so a change in the
    machine's load hits all of them alike) for about ``seconds`` in total."""
    for function in functions:
        function()  # warm-up (plans, caches)
    samples: list[list[float]] = [[] for _ in functions]
    rounds, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for function, times in zip(functions, samples):
            t0 = time.perf_counter()
            function()
            times.append(time.perf_counter() - t0)
        rounds += 1
    return [float(np.median(times)) for times in samples], rounds


def bench_mfcc(seconds: float) -> None:
    import librosa

    clips = [mfcc_clip(seed) for seed in range(4)]
    worst = max(
        float(np.max(np.abs(emovox.feature.mfcc(y=y, **SPEECH) - librosa.feature.mfcc(y=y, **SPEECH))))
        for y in clips
    )
    frames = emovox.feature.mfcc(y=clips[0], **SPEECH).shape[1]
    (ours, theirs), rounds = interleaved_medians(
        [
            lambda: [emovox.feature.mfcc(y=y, **SPEECH) for y in clips],
            lambda: [librosa.feature.mfcc(y=y, **SPEECH) for y in clips],
        ],
        2 * seconds,
    )
    print(json.dumps({
        "bench": "mfcc_speech_10s_single_thread",
        "librosa": librosa.__version__,
        "emovox_frames_per_second": round(frames * len(clips) / ours),
        "librosa_frames_per_second": round(frames * len(clips) / theirs),
        "speedup": round(theirs / ours, 2),
        "max_abs_difference": worst,
        "rounds": rounds,
    }))


def rust_predict_ms() -> float:
    """Runs the Rust criterion bench on one thread; its median estimate of `predict_4s_clip`."""
    output = subprocess.run(
        ["cargo", "bench", "--bench", "predict", "--", "predict_4s_clip"],
        cwd=REPO, check=True, capture_output=True, text=True, env={**os.environ, "RAYON_NUM_THREADS": "1"},
    ).stdout
    match = re.search(r"predict_4s_clip\s+time:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]", output)
    if not match:
        raise RuntimeError(f"no predict_4s_clip figure in:\n{output}")
    value, unit = float(match.group(1)), match.group(2)
    return value * {"ms": 1.0, "µs": 1e-3, "us": 1e-3, "s": 1e3}[unit]


def bench_predict(seconds: float, with_rust: bool) -> None:
    import librosa

    classifier = emovox.Classifier.bundled()
    y = predict_clip()
    (predict, mfcc), rounds = interleaved_medians(
        [lambda: classifier.predict(y, SR), lambda: librosa.feature.mfcc(y=y, **SPEECH)], 2 * seconds
    )
    print(json.dumps({
        "bench": "predict_4s_clip_vs_librosa_mfcc_single_thread",
        "predict_ms": round(predict * 1e3, 3),
        "librosa_mfcc_ms": round(mfcc * 1e3, 3),
        "predict_over_librosa_mfcc": round(predict / mfcc, 2),
        "rounds": rounds,
    }))

    def python_ms() -> float:
        (median,), _ = interleaved_medians([lambda: classifier.predict(y, SR)], seconds)
        return median * 1e3

    before = python_ms()
    result = {"bench": "predict_4s_clip_single_thread", "python_ms": round(before, 3)}
    if with_rust:
        # Python is timed before and after the Rust bench, so a change of load shows.
        rust = rust_predict_ms()
        after = python_ms()
        python = (before + after) / 2
        result.update(
            python_ms_before_after=[round(before, 3), round(after, 3)],
            python_ms=round(python, 3),
            rust_ms=rust,
            python_over_rust=round(python / rust, 3),
        )
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="time spent per measured function")
    parser.add_argument("--rust", action="store_true", help="also run the Rust predict bench (cargo bench)")
    parser.add_argument("--only", choices=["mfcc", "predict"], help="run one benchmark")
    args = parser.parse_args()
    if args.only in (None, "mfcc"):
        bench_mfcc(args.seconds)
    if args.only in (None, "predict"):
        bench_predict(args.seconds, args.rust)


if __name__ == "__main__":
    main()
