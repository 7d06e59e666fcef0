#!/usr/bin/env python3
"""Does per-speaker (per-recording) normalisation of a model's output help? A probe.

Reads `predict --json` lines for TurEV-DB and RAVDESS clips and scores three rules, UAR over
each corpus's own labels (probabilities renormalised over them):
  none         the model's probabilities as they are;
  speaker      each clip's probabilities divided by the mean probabilities of all clips of
               its speaker, renormalised (a speaker-level prior correction);
  speaker_log  the speaker's mean log-probability subtracted from each clip's.
Both speaker rules assume a speaker's clips span the emotions (true of both corpora, not of
a recording that is angry throughout), so they are an upper bound of what such adaptation
can give, not a deployable default.

    cargo run --release --example predict -- --json ../shared/datasets/turev16k/*/*.wav > turev.jsonl
    cargo run --release --example predict -- --json ../shared/datasets/ravdess16k/Actor_{19,20}/*.wav > rav.jsonl
    python3 scripts/speaker_prior_probe.py turev.jsonl rav.jsonl
"""
import json
import os
import sys

import numpy as np

RAVDESS = ['neutral', 'calm', 'happy', 'sad', 'angry', 'fearful', 'disgust', 'surprised']


def load(path, corpus):
    rows = []
    for line in open(path):
        r = json.loads(line)
        name = os.path.basename(r['file'])
        if corpus == 'turev':
            label, speaker = r['file'].split('/')[-2], name.split('_')[0]
        else:
            parts = name[:-4].split('-')
            label, speaker = RAVDESS[int(parts[2]) - 1], parts[6]
        rows.append((label, speaker, r['probabilities']))
    return rows


def uar(truth, predicted, labels):
    recalls = [np.mean([p == l for t, p in zip(truth, predicted) if t == l])
               for l in labels if l in truth]
    return float(np.mean(recalls))


def score(rows, labels, rule):
    p = np.array([[r[2][l] for l in labels] for r in rows])
    p /= p.sum(1, keepdims=True)
    speakers = np.array([r[1] for r in rows])
    if rule == 'speaker':
        for s in set(speakers):
            p[speakers == s] /= p[speakers == s].mean(0)
    elif rule == 'speaker_log':
        p = np.log(p + 1e-9)
        for s in set(speakers):
            p[speakers == s] -= p[speakers == s].mean(0)
    predicted = [labels[i] for i in p.argmax(1)]
    return uar([r[0] for r in rows], predicted, labels)


def main():
    for path, corpus in [(sys.argv[1], 'turev'), (sys.argv[2], 'ravdess')]:
        rows = load(path, corpus)
        labels = sorted({r[0] for r in rows})
        print(corpus, {rule: round(score(rows, labels, rule), 3)
                       for rule in ['none', 'speaker', 'speaker_log']})


if __name__ == '__main__':
    main()
