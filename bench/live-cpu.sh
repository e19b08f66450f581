#!/usr/bin/env bash
# Side by side, on air in real time for SECONDS (default 60), each process pinned to core CORE (0): what one core pays for
#  - RadioServer (Release) playing the sample media, no listeners, at EncoderQuality 5 and 7 (with everything the
#    station does to the sound: libmpg123 decoding, normalisation, crossfades, the true-peak limiter, the meter);
#  - ffmpeg decoding the same MP3s and re-encoding them to 128 kbps MP3 in real time (-re);
#  - Liquidsoap 2 (Debian `liquidsoap`, installed when missing) playing the same folder to %mp3 128k (output.file).
# CPU from /proc/PID/stat (utime+stime) after a 15 s warm-up; RSS from /proc/PID/status.
# Usage: bench/live-cpu.sh [SECONDS]   CORE=0  RS_ARGS="--Radio:Sound:Normalize=false" (extra server settings)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
port=18731
bash scripts/setup.sh run >/dev/null
command -v ffmpeg >/dev/null || { echo "installing ffmpeg" >&2; apt-get install -y -qq ffmpeg >/dev/null; }
command -v liquidsoap >/dev/null || { echo "installing liquidsoap" >&2; apt-get install -y -qq --no-install-recommends liquidsoap >/dev/null; }
core=${CORE:-0}
read -r -a rs_args <<< "${RS_ARGS:-}"
dotnet build src/RadioServer -c Release -v q -nologo >/dev/null
hz=$(getconf CLK_TCK)

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
measure() { # PID LABEL
  local pid=$1 label=$2
  sleep 15
  local t0 c0 t1 c1 rss
  t0=$(date +%s.%N); c0=$(cpu_ticks "$pid")
  sleep "$seconds"
  t1=$(date +%s.%N); c1=$(cpu_ticks "$pid")
  rss=$(awk '/VmRSS/ { print $2 }' "/proc/$pid/status")
  awk -v c="$((c1 - c0))" -v hz="$hz" -v t0="$t0" -v t1="$t1" -v rss="$rss" -v label="$label" \
    'BEGIN { cpu = c / hz; wall = t1 - t0; printf "| %-44s | %6.2f%% | %8.1f s | %7.1f MiB |\n", label, 100 * cpu / wall, 3600 * cpu / wall, rss / 1024 }'
}

echo "| on air for ${seconds} s (after 15 s warm-up) | CPU of one core | CPU per hour of air | RSS |"
echo "| --- | --- | --- | --- |"
for q in 5 7; do
  taskset -c "$core" dotnet src/RadioServer/bin/Release/net10.0/RadioServer.dll "${rs_args[@]}" --urls "http://127.0.0.1:$port" --Radio:EncoderQuality=$q --Radio:DatabasePath="$(mktemp -u /tmp/radioserver-bench.XXXXXX.db)" --Logging:LogLevel:Default=Warning >/dev/null 2>&1 &
  pid=$!
  measure "$pid" "RadioServer, sample media, LAME -q $q"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done

list=$(mktemp); liq=$(mktemp --suffix=.liq); trap 'rm -f "$list" "$liq"' EXIT
for f in media/*.mp3; do printf "file '%s'\n" "$PWD/$f"; done > "$list"
taskset -c "$core" ffmpeg -nostdin -v error -re -stream_loop -1 -f concat -safe 0 -i "$list" -ar 44100 -ac 2 -c:a libmp3lame -b:a 128k -f mp3 -y /dev/null &
pid=$!
measure "$pid" "ffmpeg -re, same MP3s, libmp3lame 128k"
kill "$pid"; wait "$pid" 2>/dev/null || true

cat > "$liq" <<LIQ
settings.init.allow_root.set(true)
settings.log.stdout.set(false)
settings.log.file.set(false)
s = mksafe(playlist(mode="normal", "$PWD/media"))
output.file(%mp3(bitrate=128, samplerate=44100, stereo=true), "/dev/null", s)
LIQ
taskset -c "$core" liquidsoap "$liq" >/dev/null 2>&1 &
pid=$!
measure "$pid" "Liquidsoap $(liquidsoap --version 2>/dev/null | awk 'NR==1 { print $2 }'), same folder, %mp3 128k"
kill "$pid"; wait "$pid" 2>/dev/null || true
