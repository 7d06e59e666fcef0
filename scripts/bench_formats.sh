#!/usr/bin/env bash
# Decoding + resampling to 16 kHz of a 3-minute 44.1 kHz stereo file of every format: emovox
# (crates/emovox-audio/examples/decode_to_16k.rs: AudioStream -> StreamResampler -> f32le on
# stdout) against `ffmpeg -i f -f f32le -ar 16000 -`, both pinned to one core and timed by
# hyperfine the same way (output discarded). Needs Debian's ffmpeg, hyperfine, python3 and, for
# the AMR files (ffmpeg has AMR decoders only), gcc with opencore-amr and vo-amrwbenc
# (`apt-get install ffmpeg hyperfine libopencore-amrnb-dev libopencore-amrwb-dev libvo-amrwbenc-dev`).
#
#   bash scripts/bench_formats.sh [OUT_DIR]     # OUT_DIR default: a temporary folder
#
# The input is synthetic: two sines (220 and 330 Hz, one per channel) and pink noise, 180 s.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-$(mktemp -d)}
mkdir -p "$out"
core=${BENCH_CORE:-1}
FF="ffmpeg -hide_banner -loglevel error -y"

cargo build --release -p emovox-audio --example decode_to_16k
emovox=${CARGO_TARGET_DIR:-target}/release/examples/decode_to_16k

src="$out/src.wav"
$FF -f lavfi -i "sine=frequency=220:sample_rate=44100:duration=180" \
    -f lavfi -i "sine=frequency=330:sample_rate=44100:duration=180" \
    -f lavfi -i "anoisesrc=color=pink:sample_rate=44100:duration=180:amplitude=0.05:seed=1" \
    -filter_complex "[0][1]amerge=inputs=2[s];[2]asplit[n1][n2];[n1][n2]amerge=inputs=2[n];[s][n]amix=inputs=2:normalize=0[o]" \
    -map "[o]" -c:a pcm_s16le "$src"
$FF -i "$src" -c:a pcm_s16le "$out/f.wav"
$FF -i "$src" -c:a flac "$out/f.flac"
$FF -i "$src" -c:a libmp3lame -b:a 128k "$out/f.mp3"
$FF -i "$src" -c:a libvorbis -b:a 64k "$out/f.ogg"
$FF -i "$src" -c:a libopus -b:a 64k "$out/f.opus"
$FF -i "$src" -c:a aac -b:a 96k "$out/f.m4a"
$FF -i "$src" -c:a alac "$out/alac.m4a"
$FF -i "$src" -c:a pcm_s16be "$out/f.aiff"
$FF -i "$src" -c:a pcm_s16le "$out/f.caf"
$FF -i "$src" -c:a adpcm_ima_wav "$out/ima_adpcm.wav"
$FF -i "$src" -c:a aac -b:a 96k "$out/f.aac"
$FF -i "$src" -c:a aac -b:a 96k "$out/aac.mkv"
$FF -i "$src" -c:a libvorbis -b:a 64k "$out/vorbis.webm"
$FF -i "$src" -c:a flac "$out/flac.mkv"
# AMR-NB 12.2 kbit/s (8 kHz) and AMR-WB 23.85 kbit/s (16 kHz), mono, by the fixtures' encoder.
gcc -O2 crates/emovox-audio/tests/fixtures/formats/amr_fixtures.c -o "$out/amr_fixtures" \
    -lopencore-amrnb -lopencore-amrwb -lvo-amrwbenc
$FF -i "$src" -ac 1 -ar 8000 -f s16le - | "$out/amr_fixtures" nb 7 "$out/f.amr" "$out/amr.ref"
$FF -i "$src" -ac 1 -ar 16000 -f s16le - | "$out/amr_fixtures" wb 8 "$out/f.awb" "$out/awb.ref"
FILES="f.wav f.flac f.mp3 f.ogg f.opus f.m4a alac.m4a f.aiff f.caf ima_adpcm.wav f.aac aac.mkv vorbis.webm flac.mkv f.amr f.awb"

for f in $FILES; do
    hyperfine --warmup 1 --runs "${RUNS:-5}" --style basic --export-json "$out/$f.json" \
        -n "emovox $f" "taskset -c $core $emovox $out/$f" \
        -n "ffmpeg $f" "taskset -c $core ffmpeg -v error -i $out/$f -f f32le -ar 16000 -"
done
# One row per format: mean wall and CPU (user + sys) seconds of both, emovox's real-time factor
# (180 s / CPU seconds, the figure that does not depend on what else the machine runs) and the
# ratio of the two CPU times.
python3 - "$out" $FILES <<'PY'
import json, sys
out, files = sys.argv[1], sys.argv[2:]
print("| file (180 s) | emovox wall | emovox CPU | x real time (CPU) | ffmpeg wall | ffmpeg CPU | x real time (CPU) | emovox / ffmpeg (CPU) |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for f in files:
    runs = json.load(open(f"{out}/{f}.json"))["results"]
    (e, g) = runs
    cpu = lambda r: r["user"] + r["system"]
    print(f"| {f} | {e['mean']:.3f} s ± {e['stddev']:.3f} | {cpu(e):.3f} s | {180 / cpu(e):.0f}x "
          f"| {g['mean']:.3f} s ± {g['stddev']:.3f} | {cpu(g):.3f} s | {180 / cpu(g):.0f}x | {cpu(e) / cpu(g):.2f} |")
PY
