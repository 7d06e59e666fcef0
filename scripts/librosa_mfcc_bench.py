"""librosa's MFCC time for the speech preset, to compare with `cargo bench --bench mfcc` and
`cargo bench --bench predict`.

Run on the same machine as the Rust bench (unset OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE in this
command only, as they slow a current numpy):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 scripts/librosa_mfcc_bench.py
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 scripts/librosa_mfcc_bench.py --clip-seconds 4

One thread: the BLAS and OpenMP thread counts are set to 1 before numpy is imported.
Prints one JSON line: frames per second, x real time and the median time per clip in ms
(decoding excluded).
"""
import argparse
import json
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"

import time  # noqa: E402

import numpy as np  # noqa: E402
import librosa  # noqa: E402

SR = 16000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip-seconds", type=float, default=10.0, help="length of the clip")
    parser.add_argument("--seconds", type=float, default=10.0, help="time spent measuring")
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    t = np.arange(int(args.clip_seconds * SR)) / SR
    y = (0.4 * np.sin(2 * np.pi * 220 * t) + 0.2 * np.sin(2 * np.pi * (300 + 150 * t) * t)
         + 0.05 * (rng.random(t.size) - 0.5)).astype(np.float32)
    kwargs = dict(sr=SR, n_mfcc=40, n_fft=512, hop_length=160, win_length=400, n_mels=40, fmin=0,
                  fmax=8000)
    librosa.feature.mfcc(y=y, **kwargs)  # warm-up (builds and caches the mel basis)
    times, frames, start = [], 0, time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        begin = time.perf_counter()
        frames += librosa.feature.mfcc(y=y, **kwargs).shape[1]
        times.append(time.perf_counter() - begin)
    fps = frames / sum(times)
    print(json.dumps({"librosa": librosa.__version__, "clip_seconds": args.clip_seconds,
                      "runs": len(times), "frames_per_second": round(fps),
                      "x_realtime": round(fps / (SR / 160), 1),
                      "median_ms_per_clip": round(1e3 * float(np.median(times)), 3)}))


if __name__ == "__main__":
    main()
