#!/usr/bin/env bash
# Cover art: what a track's cover costs the first time it is asked for (decoded, centre-cropped, scaled, encoded with
# SkiaSharp, written to the cache) and every time after (read from the cache), at each size, beside ffmpeg scaling the
# same picture to the same size (a fresh process each time, as a script that made covers with it would).
# Usage: bench/art.sh [SIDE] (the cover's side in px, default 3000). RADIOSERVER_DLL=path: another build.
set -euo pipefail
cd "$(dirname "$0")/.."
side=${1:-3000}
port=18762
bash scripts/setup.sh run >/dev/null
command -v ffmpeg >/dev/null || apt-get install -y -qq ffmpeg >/dev/null
work=$(mktemp -d)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
# A photo-like cover (a Mandelbrot render, all detail) and a 3 s track carrying it as its front cover.
ffmpeg -v error -f lavfi -i "mandelbrot=s=${side}x${side}" -frames:v 1 -q:v 2 "$work/cover.jpg"
mkdir -p "$work/media"
ffmpeg -v error -f lavfi -i "sine=f=440:d=3" -i "$work/cover.jpg" -map 0:a -map 1:v -c:a libmp3lame -b:a 128k -c:v copy \
  -id3v2_version 3 -metadata:s:v comment="Cover (front)" -metadata artist="Bench" -metadata title="Cover" "$work/media/01 Bench - Cover.mp3"
# The key is the picture's own: 96 bits of SHA-256 of its bytes, as they sit in the tag (copied, not re-encoded).
key=$(sha256sum "$work/cover.jpg" | cut -c1-24)
dotnet build src/RadioServer -c Release -v q -nologo >/dev/null
dotnet "${RADIOSERVER_DLL:-src/RadioServer/bin/Release/net10.0/RadioServer.dll}" --urls "http://127.0.0.1:$port" --Radio:MediaPath="$work/media" \
  --Radio:SchedulePath="$work/none.json" --Radio:DatabasePath="$work/history.db" --Radio:ArtCachePath="$work/art" \
  --Radio:Sound:Analysis=false --Logging:LogLevel:Default=Warning >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
ms() { awk -v t="$1" 'BEGIN { printf "%.1f", t * 1000 }'; }
echo "cover: ${side} x ${side} px JPEG, $(stat -c %s "$work/cover.jpg") bytes, in the tag of one MP3"
printf '| size | RadioServer first (made) ms | RadioServer after (cached) ms, median of 20 | bytes | ffmpeg scale, one process ms |\n| ---: | ---: | ---: | ---: | ---: |\n'
for size in 96 192 256 512; do
  first=$(curl -s -o "$work/out.jpg" -w '%{time_total}' "http://127.0.0.1:$port/art/$key/$size")
  bytes=$(stat -c %s "$work/out.jpg")
  after=$(for _ in $(seq 1 20); do curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port/art/$key/$size"; done | sort -n | sed -n 10p)
  start=$(date +%s.%N)
  ffmpeg -v error -y -i "$work/cover.jpg" -vf "scale=$size:$size" -frames:v 1 -q:v 3 "$work/ff.jpg"
  ff=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
  echo "| $size | $(ms "$first") | $(ms "$after") | $bytes | $(ms "$ff") |"
done
echo "server: $(awk '/VmRSS/ { printf "%.0f MiB RSS", $2 / 1024 }' /proc/$pid/status) after the four"
