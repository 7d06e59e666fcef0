"""Writes the recording the timeline speed figures are measured on: RAVDESS clips (16 kHz,
16-bit mono WAV) in a seeded random order, separated by seeded pauses of 0.25-1.5 s of
silence, until one hour (57,600,000 samples), as one 16 kHz mono 16-bit WAV.

    python3 scripts/make_timeline_hour.py ../shared/datasets/ravdess16k /tmp/hour.wav

Then, side by side (same model file on both sides):

    /usr/bin/time -v target/release/examples/timeline /tmp/hour.wav --csv \
        --model models/emovox.safetensors > /dev/null
"""
import random
import sys
import wave
from pathlib import Path

RATE = 16_000
TOTAL = 3600 * RATE


def main() -> None:
    corpus, out = Path(sys.argv[1]), Path(sys.argv[2])
    clips = sorted(corpus.rglob("*.wav"))
    if not clips:
        sys.exit(f"no WAV files under {corpus}")
    rng = random.Random(7)
    written = 0
    with wave.open(str(out), "wb") as sink:
        sink.setnchannels(1)
        sink.setsampwidth(2)
        sink.setframerate(RATE)
        while written < TOTAL:
            with wave.open(str(rng.choice(clips)), "rb") as clip:
                if (clip.getnchannels(), clip.getsampwidth(), clip.getframerate()) != (1, 2, RATE):
                    sys.exit(f"{clip} is not 16 kHz 16-bit mono")
                frames = clip.readframes(clip.getnframes())
            pause = int(rng.uniform(0.25, 1.5) * RATE)
            chunk = frames + bytes(2 * pause)
            chunk = chunk[: 2 * (TOTAL - written)]
            sink.writeframes(chunk)
            written += len(chunk) // 2
    print(f"{out}: {written / RATE:.0f} s")


if __name__ == "__main__":
    main()
