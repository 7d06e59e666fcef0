#!/bin/bash
# Writes the held-out clips of both corpora (RAVDESS actors 19-20, TurEV-DB speakers 1984 and
# 7895) as lossy files, the way a phone, an editor or a messenger stores them, with a CSV
# manifest per corpus and coding for `evaluate --corpus csv --subset present`:
#
#   bash scripts/lossy_copies.sh ../shared/datasets /tmp/lossy
#   cargo run --release --example evaluate -- --data /tmp/lossy/mp3_32/ravdess.csv --corpus csv --subset present
#
# Codings (ffmpeg, Debian's build): mp3_32 and mp3_64 (libmp3lame, 32 and 64 kbit/s), aac_32
# (ffmpeg's AAC-LC encoder, 32 kbit/s, in M4A), and wav (links to the originals: the control).
set -euo pipefail
if [ $# -ne 2 ]; then echo "usage: $0 DATASETS_DIR OUT_DIR" >&2; exit 2; fi
D=$(realpath "$1"); O=$2
LABELS=(neutral calm happy sad angry fearful disgust surprised)
encode() { # encode SRC DST CODING
  case $3 in
    mp3_32) ffmpeg -nostdin -loglevel error -y -i "$1" -c:a libmp3lame -b:a 32k "$2" ;;
    mp3_64) ffmpeg -nostdin -loglevel error -y -i "$1" -c:a libmp3lame -b:a 64k "$2" ;;
    aac_32) ffmpeg -nostdin -loglevel error -y -i "$1" -c:a aac -b:a 32k "$2" ;;
    wav) ln -sf "$1" "$2" ;;
  esac
}
for C in wav mp3_32 mp3_64 aac_32; do
  ext=${C%%_*}; [ "$ext" = aac ] && ext=m4a
  mkdir -p "$O/$C/ravdess" "$O/$C/turev"
  echo "path,label,speaker" > "$O/$C/ravdess.csv"
  echo "path,label,speaker" > "$O/$C/turev.csv"
  for actor in 19 20; do
    for f in "$D"/ravdess16k/Actor_$actor/*.wav; do
      name=$(basename "$f" .wav)
      emotion=$(echo "$name" | cut -d- -f3)
      encode "$f" "$O/$C/ravdess/$name.$ext" $C
      echo "ravdess/$name.$ext,${LABELS[$((10#$emotion - 1))]},$actor" >> "$O/$C/ravdess.csv"
    done
  done
  grep -E ",(1984|7895)$" "$D/turev16k/manifest.csv" | while IFS=, read -r path label speaker; do
    name=$(basename "$path" .wav)
    encode "$D/turev16k/$path" "$O/$C/turev/$name.$ext" $C
    echo "turev/$name.$ext,$label,$speaker" >> "$O/$C/turev.csv"
  done
done
echo "written under $O"
