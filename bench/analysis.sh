#!/usr/bin/env bash
# Library analysis speed on one core, side by side in one run: RadioServer's analysis (decode + libebur128 integrated,
# LRA, true peak, the momentary series and cue points) beside ffmpeg's `-af ebur128=peak=true` on the same files.
# Both pinned with taskset to one core; ffmpeg's CPU is its user+system time, RadioServer's that of its process for
# a pass after a warm-up (JIT) pass. Files: the sample media (media/) plus a few generated ones (noise, music-like
# tones, a long MP3) in a temporary folder.
# Usage: bench/analysis.sh [CORE] [FILE...]   (default core 1; files as well as the generated ones)
set -euo pipefail
cd "$(dirname "$0")/.."
core=${1:-1}; shift || true
command -v ffmpeg >/dev/null || { echo "installing ffmpeg" >&2; apt-get install -y -qq ffmpeg >/dev/null; }
dotnet build bench/RadioServer.Benchmarks -c Release -v q -nologo >/dev/null
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# Generated: 3 min of pink noise (WAV), 5 min of a tone mix with silence at both ends (MP3 128k), 30 min MP3 (a long file).
ffmpeg -nostdin -v error -f lavfi -i "anoisesrc=color=pink:amplitude=0.3:duration=180" -ac 2 -ar 44100 "$tmp/pink-3min.wav"
ffmpeg -nostdin -v error -f lavfi -i "sine=f=220:d=300" -f lavfi -i "sine=f=331:d=300" -f lavfi -i "anoisesrc=color=brown:amplitude=0.05:duration=300" \
  -filter_complex "[0][1][2]amix=inputs=3,volume=4,adelay=3000|3000,apad=pad_dur=4,aformat=channel_layouts=stereo" -ar 44100 -c:a libmp3lame -b:a 128k "$tmp/mix-5min.mp3"
ffmpeg -nostdin -v error -f lavfi -i "anoisesrc=color=pink:amplitude=0.2:duration=1800" -ac 2 -ar 44100 -c:a libmp3lame -b:a 128k "$tmp/pink-30min.mp3"

files=(media/*.mp3 media/*.wav "$tmp"/* "$@")
ours=$(taskset -c "$core" dotnet bench/RadioServer.Benchmarks/bin/Release/net10.0/RadioServer.Benchmarks.dll analysis "${files[@]}" --passes 1 | grep -v '^#')

printf "| file | audio | RadioServer analysis | (its decode alone) | ffmpeg ebur128 | RadioServer I / TP | ffmpeg I / TP |\n"
printf "| --- | --- | --- | --- | --- | --- | --- |\n"
total_audio=0; total_ours=0; total_ffmpeg=0
while IFS=$'\t' read -r name audio cpu xrt decode lufs tp; do
  path=""
  for f in "${files[@]}"; do [[ "$(basename "$f")" == "$name" ]] && path=$f; done
  out=$( { /usr/bin/time -f "%U %S" taskset -c "$core" ffmpeg -nostdin -hide_banner -nostats -i "$path" -af ebur128=peak=true -f null - ; } 2>&1 )
  fcpu=$(tail -1 <<<"$out" | awk '{ print $1 + $2 }')
  fi=$(grep -E '^\s+I:' <<<"$out" | tail -1 | awk '{ print $2 }')
  ftp=$(grep -E '^\s+Peak:' <<<"$out" | tail -1 | awk '{ print $2 }')
  fx=$(awk -v a="$audio" -v c="$fcpu" 'BEGIN { printf "%.0f", (c > 0) ? a / c : 0 }')
  printf "| %s | %s s | %sx (%s s CPU) | %sx | %sx (%s s CPU) | %s / %s | %s / %s |\n" "$name" "$audio" "$xrt" "$cpu" "$decode" "$fx" "$fcpu" "$lufs" "$tp" "$fi" "$ftp"
  total_audio=$(awk -v a="$total_audio" -v b="$audio" 'BEGIN { print a + b }')
  total_ours=$(awk -v a="$total_ours" -v b="$cpu" 'BEGIN { print a + b }')
  total_ffmpeg=$(awk -v a="$total_ffmpeg" -v b="$fcpu" 'BEGIN { print a + b }')
done <<<"$ours"
awk -v a="$total_audio" -v o="$total_ours" -v f="$total_ffmpeg" \
  'BEGIN { printf "| **all** | %.0f s | **%.0fx** (%.2f s CPU) | | **%.0fx** (%.2f s CPU) | | |\n", a, a / o, o, a / f, f }'
