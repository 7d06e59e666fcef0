#!/usr/bin/env python3
"""Does any front end transfer between RAVDESS and TurEV-DB better than emovox's CNN? A probe.

Not emovox: a linear model (scikit-learn's logistic regression on standardised inputs) over
utterance statistics computed with librosa, so that what fails to transfer can be told apart
from the CNN, its training and its features. Every clip is levelled to the same RMS first (as
emovox's preprocessing does) and trimmed at 40 dB below its peak; then per clip:

- ``logmel``: 64-band log-mel (n_fft 512, 25 ms window, 10 ms hop, 0-8 kHz, top_db 80): each
  band's mean and standard deviation over the frames, and its mean absolute frame-to-frame change;
- ``cmn``: the log-mel with each band's mean over the clip removed (cepstral mean
  normalisation): its standard deviations and changes, the ``logmel`` set without the means;
- ``pcen``: the same statistics of per-channel energy normalisation (``librosa.pcen`` on the mel
  power x 2^31) with librosa's defaults, and ``pcen_speech`` with a 60 ms time constant, gain
  0.8, bias 10 and power 0.25;
- ``prosody``: log-F0 (pyin, 60-500 Hz) mean, spread and 10-90 % range, the voiced share, the
  frame level's spread and 50-95 % range, and the mean absolute log-F0 step.

Each set is scored three ways (``--c``, the inverse regularisation, 0.01 and 0.1): trained on
RAVDESS actors 01-18 (eight labels) and scored on actors 19-20 (eight labels, chance 0.125) and
on all of TurEV (its four labels: the model's probabilities of angry, calm, happy and sad; chance
0.25), and trained on TurEV speakers 1157, 1234, 1358, 6783 and scored on RAVDESS actors 01-20's
clips of those four labels. Then the same, each speaker's inputs standardised over that
speaker's clips (``speaker z``, training and test), and the plain model with each TurEV
speaker's mean log-probability removed (``output adapt``, what `evaluate --adapt per-speaker`
does with emovox's models; its other two columns are the plain model's). Prints one UAR table.

    python scripts/transfer_proxy.py ../shared/datasets [--cache DIR]

Needs numpy, librosa, soundfile, pandas and scikit-learn (the CI venv has them). The features
take about 10 minutes on two cores; ``--cache`` keeps them (``rav.npz``, ``tur.npz``).
"""

from __future__ import annotations

import argparse
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np

EMOTIONS = {1: "neutral", 2: "calm", 3: "happy", 4: "sad", 5: "angry", 6: "fearful", 7: "disgust", 8: "surprised"}
FOUR = ["angry", "calm", "happy", "sad"]
TUREV_TRAIN = [1157, 1234, 1358, 6783]
SETS = ["logmel", "pcen", "pcen_speech", "prosody"]
N_MELS = 64


def band_statistics(x: np.ndarray) -> np.ndarray:
    """Each row's mean, standard deviation and mean absolute frame-to-frame change."""
    return np.concatenate([x.mean(1), x.std(1), np.abs(np.diff(x, axis=1)).mean(1)])


def prosody(y: np.ndarray, sr: int) -> np.ndarray:
    """Seven prosodic statistics of a clip (see the module's text)."""
    import librosa

    f0, voiced, _ = librosa.pyin(y, fmin=60, fmax=500, sr=sr, frame_length=1024, hop_length=160)
    log_f0 = np.log(f0[voiced]) if voiced.sum() > 2 else np.zeros(3)
    level = 20 * np.log10(librosa.feature.rms(y=y, frame_length=400, hop_length=160)[0] + 1e-6)
    return np.array([
        log_f0.mean(), log_f0.std(), np.percentile(log_f0, 90) - np.percentile(log_f0, 10), voiced.mean(),
        level.std(), np.percentile(level, 95) - np.percentile(level, 50), np.abs(np.diff(log_f0)).mean(),
    ])


def features(path: str) -> Dict[str, np.ndarray]:
    """Every statistics set of one file."""
    import librosa
    import soundfile

    y, sr = soundfile.read(path, dtype="float32")
    y = y.mean(1) if y.ndim > 1 else y
    y = y - y.mean()
    y = 0.05 * y / (np.sqrt(np.mean(y**2)) + 1e-9)
    trimmed, _ = librosa.effects.trim(y, top_db=40)
    y = trimmed if len(trimmed) > 1600 else y
    power = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=512, win_length=400, hop_length=160, n_mels=N_MELS, fmax=8000)
    log_mel = librosa.power_to_db(power, ref=1.0, top_db=80)
    scaled = power * 2**31
    speech = dict(time_constant=0.06, gain=0.8, bias=10, power=0.25)
    return {
        "logmel": band_statistics(log_mel),
        "pcen": band_statistics(librosa.pcen(scaled, sr=sr, hop_length=160)),
        "pcen_speech": band_statistics(librosa.pcen(scaled, sr=sr, hop_length=160, **speech)),
        "prosody": prosody(y, sr),
    }


def corpora(datasets: Path) -> Dict[str, List[Tuple[str, str, int]]]:
    """(path, label, speaker) of every RAVDESS 01-20 clip and every TurEV-DB word."""
    import pandas

    ravdess = []
    for path in sorted((datasets / "ravdess16k").glob("Actor_*/*.wav")):
        fields = path.stem.split("-")
        ravdess.append((str(path), EMOTIONS[int(fields[2])], int(fields[6])))
    manifest = pandas.read_csv(datasets / "turev16k" / "manifest.csv")
    turev = [(str(datasets / "turev16k" / r.path), r.label, int(r.speaker)) for r in manifest.itertuples()]
    return {"rav": ravdess, "tur": turev}


def load_or_compute(datasets: Path, cache: Path) -> Dict[str, Dict[str, np.ndarray]]:
    """Each corpus' statistics, labels and speakers, from `cache` when there."""
    out = {}
    for name, rows in corpora(datasets).items():
        file = cache / f"{name}.npz"
        if not file.exists():
            with ProcessPoolExecutor(os.cpu_count()) as pool:
                computed = list(pool.map(features, [r[0] for r in rows], chunksize=16))
            stacked = {k: np.stack([c[k] for c in computed]) for k in SETS}
            np.savez(file, labels=np.array([r[1] for r in rows]), speakers=np.array([r[2] for r in rows]), **stacked)
        loaded = np.load(file)
        out[name] = {k: loaded[k] for k in ["labels", "speakers", *SETS]}
        out[name]["cmn"] = out[name]["logmel"][:, N_MELS:]
        out[name]["logmel+prosody"] = np.hstack([out[name]["logmel"], out[name]["prosody"]])
    return out


def speaker_z(x: np.ndarray, speakers: np.ndarray) -> np.ndarray:
    """`x` with each speaker's rows standardised over that speaker's rows."""
    x = x.copy()
    for s in np.unique(speakers):
        rows = speakers == s
        x[rows] = (x[rows] - x[rows].mean(0)) / (x[rows].std(0) + 1e-6)
    return x


def fit(x: np.ndarray, y: np.ndarray, c: float):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=c, max_iter=3000).fit(scaler.transform(x), y)
    return lambda z: model.predict_proba(scaler.transform(z)), list(model.classes_)


def uar(truth: np.ndarray, predicted: np.ndarray) -> float:
    from sklearn.metrics import recall_score

    return float(recall_score(truth, predicted, average="macro"))


def scores(rav: Dict[str, np.ndarray], tur: Dict[str, np.ndarray], key: str, c: float, mode: str) -> List[float]:
    """UAR on RAVDESS 19-20, RAVDESS -> all TurEV and TurEV -> RAVDESS 01-20 (`mode`: plain,
    speaker z, output adapt)."""
    x, xt = np.nan_to_num(rav[key]), np.nan_to_num(tur[key])
    if mode == "speaker z":
        x, xt = speaker_z(x, rav["speakers"]), speaker_z(xt, tur["speakers"])
    y, speakers, yt = rav["labels"], rav["speakers"], tur["labels"]
    train, held_out = speakers <= 18, (speakers >= 19) & (speakers <= 20)
    predict, classes = fit(x[train], y[train], c)
    in_corpus = uar(y[held_out], np.array(classes)[predict(x[held_out]).argmax(1)])
    log_p = np.log(predict(xt)[:, [classes.index(label) for label in FOUR]] + 1e-9)
    if mode == "output adapt":
        for s in np.unique(tur["speakers"]):
            rows = tur["speakers"] == s
            log_p[rows] -= log_p[rows].mean(0)
    forward = uar(yt, np.array(FOUR)[log_p.argmax(1)])
    turev_train = np.isin(tur["speakers"], TUREV_TRAIN)
    predict_back, classes_back = fit(xt[turev_train], yt[turev_train], c)
    shared = np.isin(y, FOUR)
    back = uar(y[shared], np.array(classes_back)[predict_back(x[shared]).argmax(1)])
    return [in_corpus, forward, back]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("datasets", type=Path, help="the folder holding ravdess16k and turev16k")
    parser.add_argument("--cache", type=Path, default=Path("transfer_proxy_cache"))
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    data = load_or_compute(args.datasets, args.cache)
    print("| statistics | mode | C | RAVDESS 19-20 | RAVDESS -> all TurEV | TurEV -> RAVDESS 01-20 |")
    print("|---|---|---|---|---|---|")
    for key in ["logmel", "cmn", "pcen", "pcen_speech", "prosody", "logmel+prosody"]:
        for mode in ("plain", "speaker z", "output adapt"):
            for c in (0.01, 0.1):
                figures = " | ".join(f"{v:.3f}" for v in scores(data["rav"], data["tur"], key, c, mode))
                print(f"| {key} | {mode} | {c} | {figures} |", flush=True)


if __name__ == "__main__":
    main()
