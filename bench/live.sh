#!/usr/bin/env bash
# Live sources (issue 13), on the real clock, against a Release server started here on 127.0.0.1:
#  1. delay: source-to-listener delay of 1 kHz bursts sent at real time through PUT /live, found in the decoded
#     /stream (RadioServer.Benchmarks live-delay), p50/p90/p99;
#  2. cpu: the server's CPU for SECONDS on air with automation only, then with a live MP3 source (ffmpeg -re, 128 kbps
#     44.1 kHz stereo, and 64 kbps 48 kHz mono: decode, resample, mix, encode), per hour of air;
#  3. load: LISTENERS listeners (the load tool, stall rule on) held while a source connects, goes on air, drops,
#     reconnects and ends, and while 50 wrong-password attempts arrive; stalls, drops and the refusals counted.
# Usage: bench/live.sh [delay|cpu|load|all]   SECONDS=60 LISTENERS=10000 DELAY_LISTENERS="0" PORT=18740
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
what=${1:-all}
seconds=${SECONDS_ON_AIR:-${SECONDS:-60}}
listeners=${LISTENERS:-10000}
port=${PORT:-18740}
server_core=${SERVER_CORE:-0} # as compare-icecast.sh: the server on one core, the clients (load tool, ffmpeg, probes) on the other
client_core=${CLIENT_CORE:-1}
password=bench-master-$RANDOM$RANDOM
bash scripts/setup.sh test >/dev/null
dotnet build src/RadioServer -c Release -v q -nologo >/dev/null
dotnet build bench/RadioServer.Benchmarks -c Release -v q -nologo >/dev/null
dotnet build bench/RadioServer.LoadTool -c Release -v q -nologo >/dev/null
rs_dll=$root/src/RadioServer/bin/Release/net10.0/RadioServer.dll
hz=$(getconf CLK_TCK)
work=$(mktemp -d /tmp/live-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

start_server() { # [extra settings]
  Radio__Live__MasterPassword=$password taskset -c "$server_core" dotnet "$rs_dll" --urls "http://127.0.0.1:$port" --Radio:DatabasePath="$work/station.db" "$@" \
    --Radio:Live:RecordingsPath= --Logging:LogLevel:Default=Warning --Logging:LogLevel:RadioServer.Live=Information >"$work/server.log" 2>&1 &
  server=$!
  pids+=("$server")
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/api/status" >/dev/null 2>&1 && return; sleep 0.2; done
  echo "the server did not start" >&2; cat "$work/server.log" >&2; exit 1
}
stop_server() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
source_ffmpeg() { # SECONDS RATE CHANNELS BITRATE [PASSWORD]: a real source client at real time
  taskset -c "$client_core" ffmpeg -nostdin -hide_banner -loglevel error -re -f lavfi -i "sine=frequency=440:sample_rate=$2:duration=$1" -ac "$3" \
    -c:a libmp3lame -b:a "$4" -content_type audio/mpeg -f mp3 "icecast://source:${5:-$password}@127.0.0.1:$port/live" >>"$work/ffmpeg.log" 2>&1 &
  echo $!
}

if [ "$what" = delay ] || [ "$what" = all ]; then
  # Listeners on the direct path (written at every publish while they are few, every 2nd-8th publish as they grow:
  # DELAY_LISTENERS="0 2000 10000" measures it with that many other listeners held by the load tool), and through
  # Kestrel's pipe (written at every publish, ~0.1 s: what the air chain itself adds).
  for case in $(for n in ${DELAY_LISTENERS:-0}; do echo "true:$n"; done) false:0; do
    direct=${case%%:*}; others=${case##*:}
    echo "### Radio:DirectListeners=$direct, $others other listeners"
    start_server --Radio:DirectListeners=$direct
    sleep 5
    if [ "$others" -gt 0 ]; then
      taskset -c "$client_core" dotnet bench/RadioServer.LoadTool/bin/Release/net10.0/RadioServer.LoadTool.dll --url "http://127.0.0.1:$port/stream" --clients "$others" \
        --rate 1000 --duration $(( seconds + 30 )) --sources 4 --rcvlowat 16384 >"$work/load.txt" 2>&1 &
      load=$!; pids+=("$load")
      sleep $(( others / 1000 + 8 ))
    fi
    taskset -c "$client_core" dotnet bench/RadioServer.Benchmarks/bin/Release/net10.0/RadioServer.Benchmarks.dll live-delay --url "http://127.0.0.1:$port" --password "$password" --seconds "$seconds" | tail -n +3
    echo "  server: $(curl -s "http://127.0.0.1:$port/metrics" | grep -E "^radio_live_buffer_underruns_total"), listeners $(curl -s "http://127.0.0.1:$port/metrics" | grep -E "^radio_listeners " | awk '{print $2}')"
    stop_server
    if [ "$others" -gt 0 ]; then kill "$load" 2>/dev/null || true; wait "$load" 2>/dev/null || true; fi
  done
fi

if [ "$what" = cpu ] || [ "$what" = all ]; then
  echo "## Live: server CPU, ${seconds} s on air each (after a 10 s warm-up), no listeners"
  echo "| on air | CPU of one core | CPU per hour of air |"
  echo "| --- | --- | --- |"
  for mode in automation "live 128k 44.1 kHz stereo" "live 64k 48 kHz mono"; do
    start_server
    src=
    case $mode in
      "live 128k"*) src=$(source_ffmpeg $((seconds + 20)) 44100 2 128k) ;;
      "live 64k"*) src=$(source_ffmpeg $((seconds + 20)) 48000 1 64k) ;;
    esac
    sleep 10
    c0=$(cpu_ticks "$server"); t0=$(date +%s.%N)
    sleep "$seconds"
    c1=$(cpu_ticks "$server"); t1=$(date +%s.%N)
    live=$(curl -s "http://127.0.0.1:$port/api/live" | grep -o '"onAir":[a-z]*' | head -1)
    awk -v c=$((c1 - c0)) -v hz="$hz" -v t0="$t0" -v t1="$t1" -v m="$mode ($live)" 'BEGIN { cpu = c / hz; wall = t1 - t0; printf "| %s | %.2f%% | %.1f s |\n", m, 100 * cpu / wall, 3600 * cpu / wall }'
    [ -n "$src" ] && { kill "$src" 2>/dev/null || true; wait "$src" 2>/dev/null || true; }
    stop_server
  done
fi

if [ "$what" = load ] || [ "$what" = all ]; then
  echo "## Live: $listeners listeners held through a live session's life and 50 wrong passwords"
  start_server
  sleep 8 # the ring holds a whole 64 KiB burst (4 s of audio): the load tool's stall rule counts on it
  ramp=$(( listeners / 1000 + 1 ))
  hold=70
  taskset -c "$client_core" dotnet bench/RadioServer.LoadTool/bin/Release/net10.0/RadioServer.LoadTool.dll --url "http://127.0.0.1:$port/stream" --clients "$listeners" \
    --rate 1000 --duration "$hold" --sources 4 --rcvlowat 16384 >"$work/load.txt" 2>&1 &
  load=$!
  pids+=("$load")
  sleep $(( ramp + 12 ))
  t=$(date +%s)
  s1=$(source_ffmpeg 20 48000 1 64k); sleep 10; echo "  $(( $(date +%s) - t )) s: source connected, on air: $(curl -s "http://127.0.0.1:$port/api/live" | grep -o '"onAir":[a-z]*' | head -1)"
  kill -9 "$s1" 2>/dev/null || true; wait "$s1" 2>/dev/null || true; sleep 6; echo "  $(( $(date +%s) - t )) s: source dropped, on air: $(curl -s "http://127.0.0.1:$port/api/live" | grep -o '"onAir":[a-z]*' | head -1)"
  python3 - "$port" <<'PY' &
import base64, socket, sys
port = int(sys.argv[1])
answers = {}
for i in range(50):
    s = socket.create_connection(("127.0.0.1", port))
    cred = base64.b64encode(f"{'source' if i % 2 else 'nobody-' + str(i)}:wrong-{i}".encode()).decode()
    s.sendall(f"PUT /live HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {cred}\r\nContent-Type: audio/mpeg\r\n\r\n".encode())
    line = s.recv(200).split(b"\r\n")[0].decode()
    answers[line] = answers.get(line, 0) + 1
    s.close()
print("  50 wrong passwords answered: " + ", ".join(f"{n} x {a}" for a, n in answers.items()))
PY
  wrong=$!
  s2=$(source_ffmpeg 25 44100 2 128k); sleep 10; echo "  $(( $(date +%s) - t )) s: source reconnected, on air: $(curl -s "http://127.0.0.1:$port/api/live" | grep -o '"onAir":[a-z]*' | head -1)"
  wait "$wrong"
  sleep 18; echo "  $(( $(date +%s) - t )) s: source ended, on air: $(curl -s "http://127.0.0.1:$port/api/live" | grep -o '"onAir":[a-z]*' | head -1)"
  wait "$load" || true
  sed 's/^/  /' "$work/load.txt"
  echo "  server log: $(grep -c 'Live source connected' "$work/server.log") sources connected, $(grep -c 'refused:' "$work/server.log") refused"
  stop_server
fi
