"""librosa's MFCC throughput for the speech preset, to compare with `cargo bench --bench mfcc`.

Run on the same machine as the Rust bench (unset OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE in this
command only, as they slow a current numpy):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 scripts/librosa_mfcc_bench.py

Prints one JSON line: frames per second single-threaded and x real time (decoding excluded).
"""
import json
import time

import numpy as np
import librosa

SR = 16000
rng = np.random.default_rng(1)
t = np.arange(10 * SR) / SR
y = (0.4 * np.sin(2 * np.pi * 220 * t) + 0.2 * np.sin(2 * np.pi * (300 + 150 * t) * t)
     + 0.05 * (rng.random(t.size) - 0.5)).astype(np.float32)
kwargs = dict(sr=SR, n_mfcc=40, n_fft=512, hop_length=160, win_length=400, n_mels=40, fmin=0, fmax=8000)
librosa.feature.mfcc(y=y, **kwargs)  # warm-up (builds and caches the mel basis)
runs, frames, start = 0, 0, time.perf_counter()
while time.perf_counter() - start < 10.0:
    frames += librosa.feature.mfcc(y=y, **kwargs).shape[1]
    runs += 1
elapsed = time.perf_counter() - start
fps = frames / elapsed
print(json.dumps({"librosa": librosa.__version__, "runs": runs, "frames_per_second": round(fps),
                  "x_realtime": round(fps / (SR / 160), 1)}))
