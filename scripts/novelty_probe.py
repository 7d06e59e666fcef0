#!/usr/bin/env python3
"""How well does a model's novelty tell its own kind of audio from other audio?

Scores with ``Classifier.predict`` (novelty and ``unfamiliar``) the clips of:

- RAVDESS actors 19 and 20 (held out from every emovox model: in-domain, unseen speakers);
- TurEV-DB: all of it, and speakers 1984 and 7895 (held out from the bundled model);
- 60 espeak-ng sentences in nine languages and eight voice variants, seeded (synthetic speech,
  generated into a temporary folder with espeak-ng and sox, Debian's packages);
- four generated non-speech signals (a tone, clicks, white noise, mains hum with noise).

Prints per set the median novelty, the share of unfamiliar clips, the mean confidence, and the
area under the ROC curve of novelty separating RAVDESS 19-20 from each other set (1.0: every
clip of the set is more novel than every RAVDESS clip; 0.5: no separation).

    python scripts/novelty_probe.py ../shared/datasets [model.safetensors]

Needs the emovox Python package (``pip install ./crates/emovox-python``); without a model path
the bundled model is scored.
"""

from __future__ import annotations

import csv
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

import emovox

TEXTS = {
    "en-us": [
        "The meeting starts at ten tomorrow morning.",
        "I put the keys on the kitchen table.",
        "We took the train to the city last week.",
        "Please send me the report when it is ready.",
    ],
    "en-gb": [
        "The weather has been rather mild this month.",
        "She left the book on the shelf by the window.",
    ],
    "de": ["Der Zug fährt um acht Uhr ab.", "Ich habe das Buch auf den Tisch gelegt."],
    "fr": ["Le train part à huit heures demain matin.", "J'ai posé les clés sur la table."],
    "es": ["El tren sale a las ocho de la mañana.", "Dejé las llaves encima de la mesa."],
    "it": ["Il treno parte alle otto domani mattina.", "Ho lasciato le chiavi sul tavolo."],
    "tr": ["Tren yarın sabah sekizde kalkıyor.", "Anahtarları masanın üstüne koydum."],
    "pt": ["O comboio parte amanhã às oito horas.", "Deixei as chaves em cima da mesa."],
    "nl": ["De trein vertrekt morgen om acht uur.", "Ik heb de sleutels op tafel gelegd."],
}
VARIANTS = ["", "+m1", "+m3", "+f1", "+f2", "+f4", "+klatt", "+m7"]


def espeak_clips(folder: Path) -> list[Path]:
    """60 seeded espeak-ng sentences at 16 kHz (three voices of each text)."""
    rng = random.Random(7)
    paths = []
    for lang, texts in TEXTS.items():
        for text in texts:
            for _ in range(3):
                voice = lang + rng.choice(VARIANTS)
                pitch, speed = rng.randint(30, 70), rng.randint(130, 185)
                raw = folder / f"raw{len(paths)}.wav"
                out = folder / f"espeak{len(paths):03d}.wav"
                subprocess.run(
                    ["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed), "-w", raw, text],
                    check=True,
                )
                subprocess.run(["sox", raw, "-r", "16000", "-c", "1", "-b", "16", out], check=True)
                paths.append(out)
    return paths


def signals() -> list[np.ndarray]:
    sr = 16000
    t = np.arange(2 * sr) / sr
    rng = np.random.default_rng(1)
    return [
        (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32),
        np.where(np.arange(len(t)) % 1600 == 0, 0.8, 0.0).astype(np.float32),
        (0.1 * rng.standard_normal(len(t))).astype(np.float32),
        (0.2 * np.sin(2 * np.pi * 50 * t) + 0.05 * rng.standard_normal(len(t))).astype(np.float32),
    ]


def auroc(inside: list[float], outside: list[float]) -> float:
    a = np.asarray(inside)[:, None]
    b = np.asarray(outside)[None, :]
    return float(np.mean(a < b) + 0.5 * np.mean(a == b))


def main() -> None:
    datasets = Path(sys.argv[1])
    classifier = emovox.Classifier.load(sys.argv[2]) if len(sys.argv) > 2 else emovox.Classifier.bundled()
    threshold = classifier.novelty_threshold
    print(f"novelty threshold {threshold}")

    def score_files(paths: list[Path]) -> list[dict]:
        return [classifier.predict(*emovox.load(str(p), sr=None)) for p in paths]

    ravdess = sorted((datasets / "ravdess16k").glob("Actor_1[9]/*.wav")) + sorted(
        (datasets / "ravdess16k").glob("Actor_20/*.wav")
    )
    turev_root = datasets / "turev16k"
    with open(turev_root / "manifest.csv") as f:
        turev = [(turev_root / row["path"], row["speaker"]) for row in csv.DictReader(f)]
    sets = {
        "RAVDESS 19-20": score_files(ravdess),
        "TurEV 1984, 7895": score_files([p for p, s in turev if s in ("1984", "7895")]),
        "TurEV all": score_files([p for p, _ in turev]),
    }
    with tempfile.TemporaryDirectory() as folder:
        sets["espeak-ng, 9 languages"] = score_files(espeak_clips(Path(folder)))
    sets["non-speech signals"] = [classifier.predict(y, 16000) for y in signals()]
    inside = [p["novelty"] for p in sets["RAVDESS 19-20"]]
    print(f"{'set':<24} {'n':>5} {'median novelty':>15} {'unfamiliar':>11} {'mean confidence':>16} {'AUROC vs RAVDESS 19-20':>23}")
    for name, predictions in sets.items():
        novelty = [p["novelty"] for p in predictions]
        unfamiliar = np.mean([p["unfamiliar"] for p in predictions])
        confidence = np.mean([p["confidence"] for p in predictions])
        separation = "" if name == "RAVDESS 19-20" else f"{auroc(inside, novelty):.3f}"
        print(
            f"{name:<24} {len(novelty):>5} {np.median(novelty):>15.2f} {100 * unfamiliar:>10.1f}% "
            f"{confidence:>16.3f} {separation:>23}"
        )


if __name__ == "__main__":
    main()
