#!/usr/bin/env python3
"""Can one temperature calibrate a model both in and out of its training domain? A probe.

Reads `predict --json` lines (the model's calibrated probabilities) for TurEV-DB clips and for
RAVDESS clips, applies a further temperature T to each, and prints the expected calibration
error (10 bins, top label) and log-loss on each corpus (TurEV over its 4 labels,
renormalised). Commands to make the inputs: see scripts/speaker_prior_probe.py.

    python3 scripts/temperature_probe.py turev.jsonl rav.jsonl
"""
import sys

import numpy as np

from speaker_prior_probe import load


def matrices(rows, labels):
    p = np.array([[r[2][l] for l in labels] for r in rows])
    y = np.array([labels.index(r[0]) for r in rows])
    return p / p.sum(1, keepdims=True), y


def soften(p, t):
    logits = np.log(p + 1e-12) / t
    logits -= logits.max(1, keepdims=True)
    q = np.exp(logits)
    return q / q.sum(1, keepdims=True)


def ece(p, y, bins=10):
    confidence, correct = p.max(1), p.argmax(1) == y
    total = 0.0
    for b in range(bins):
        m = (confidence > b / bins) & (confidence <= (b + 1) / bins)
        if m.any():
            total += m.mean() * abs(correct[m].mean() - confidence[m].mean())
    return total


def nll(p, y):
    return float(-np.mean(np.log(p[np.arange(len(y)), y] + 1e-12)))


def main():
    turev = load(sys.argv[1], 'turev')
    ravdess = load(sys.argv[2], 'ravdess')
    pr, yr = matrices(ravdess, sorted({r[0] for r in ravdess}))
    pt, yt = matrices(turev, ['angry', 'calm', 'happy', 'sad'])
    for t in [1, 1.5, 2, 3, 4]:
        a, b = soften(pr, t), soften(pt, t)
        print(f'T={t}: RAVDESS ECE {ece(a, yr):.3f} NLL {nll(a, yr):.3f} | '
              f'TurEV ECE {ece(b, yt):.3f} NLL {nll(b, yt):.3f}')


if __name__ == '__main__':
    main()
