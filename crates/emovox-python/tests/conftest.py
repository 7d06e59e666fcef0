"""Shared fixtures: generated signals, a RAVDESS clip (EMOVOX_DATA), the repository's files, and
the check that a call releases the GIL."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[3]
SPEECH_FIXTURES = sorted((REPO / "tests" / "fixtures" / "speech").glob("*.wav"))
#: A RAVDESS clip (actor 1, neutral), the one the Rust parity tests use.
RAVDESS_CLIP = "Actor_01/03-01-01-01-01-01-01.wav"


def generated_signal(sr: int, seconds: float, seed: int = 0) -> np.ndarray:
    """A speech-like test signal: a gliding harmonic tone, a chirp and some noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(sr * seconds)) / sr
    pitch = 140 + 50 * np.sin(2 * np.pi * 1.5 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / sr
    voiced = sum(np.sin(h * phase) / h for h in range(1, 8))
    chirp = np.sin(2 * np.pi * (200 * t + 600 * t**2))
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 3 * t) ** 2
    y = 0.2 * envelope * voiced + 0.05 * chirp + 0.01 * rng.standard_normal(t.size)
    return y.astype(np.float32)


@pytest.fixture(scope="session")
def speech16k() -> np.ndarray:
    return generated_signal(16000, 3.0)


@pytest.fixture(scope="session")
def ravdess_path() -> Path:
    data = os.environ.get("EMOVOX_DATA")
    if not data:
        pytest.skip("EMOVOX_DATA is not set (the RAVDESS folder): skipping the corpus-clip check")
    path = Path(data) / RAVDESS_CLIP
    if not path.is_file():
        pytest.skip(f"EMOVOX_DATA has no {RAVDESS_CLIP}")
    return path


def runs_without_the_gil(name, work) -> float:
    """Runs `work` in a thread while this thread counts loop turns; returns the share of
    `work`'s duration, inside its middle 80 %, during which this thread got turns (it cannot get
    any while `work` holds the GIL in native code)."""
    times = {}
    turns = []

    def target():
        times["start"] = time.perf_counter()
        work()
        times["end"] = time.perf_counter()

    thread = threading.Thread(target=target)
    thread.start()
    while thread.is_alive():
        turns.append(time.perf_counter())
        time.sleep(0.001)
    thread.join()
    start, end = times["start"], times["end"]
    assert end - start > 0.1, f"{name} took only {end - start:.3f} s: too short to tell"
    lo, hi = start + 0.1 * (end - start), end - 0.1 * (end - start)
    inside = sorted(t for t in turns if lo <= t <= hi)
    if len(inside) < 2:
        return 0.0
    # The longest stretch of the middle without a turn.
    edges = [lo, *inside, hi]
    longest_gap = max(b - a for a, b in zip(edges, edges[1:]))
    return 1.0 - longest_gap / (hi - lo)
