#!/usr/bin/env bash
# Browser listeners on one node: each holds two connections, the stream and the hub, as the listener page does.
# Starts RadioServer (Release) on short 3 s tone tracks (the title changes often), holds N players on /stream with the
# load tool (arriving at RATE a second, stalls and errors counted) and, at the same time, N SignalR WebSocket clients
# on /hubs/radio, and prints the delay from each track change to each hub client's receipt of nowPlaying (p50/p99).
# Usage: bench/browser-listeners.sh [N] [CHANGES]   RATE=200  (N=9000 is 18,000 connections: the node's most under
# the 20,000-descriptor cap). Server pinned to core 0, both load tools to core 1. SERVER_ARGS="--Radio:X=y" passes settings.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-9000}
changes=${2:-10}
rate=${RATE:-200}
port=18762
bash scripts/setup.sh run >/dev/null
command -v sox >/dev/null || apt-get install -y -qq sox >/dev/null
media=$(mktemp -d)
trap 'kill "${pid:-0}" "${load:-0}" 2>/dev/null || true; rm -rf "$media"' EXIT
for i in 1 2 3; do sox -n -r 44100 -c 2 "$media/0$i Bench - Track $i.wav" synth 3 sine $((300 + i * 100)) vol 0.3 2>/dev/null; done
dotnet build src/RadioServer -c Release -v q -nologo >/dev/null
dotnet build bench/RadioServer.Benchmarks -c Release -v q -nologo >/dev/null
dotnet build bench/RadioServer.LoadTool -c Release -v q -nologo >/dev/null
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
taskset -c 0 dotnet src/RadioServer/bin/Release/net10.0/RadioServer.dll --urls "http://127.0.0.1:$port" --Radio:MediaPath="$media" \
  --Radio:SchedulePath="$media/none.json" --Radio:DatabasePath="$media/history.db" --Logging:LogLevel:Default=Warning ${SERVER_ARGS:-} >"$media/server.log" 2>&1 &
pid=$!
sleep 8 # the ring holds a whole 64 KiB burst: the load tool's stall rule counts on it
ramp=$(( n / rate + 1 ))
hold=$(( ramp + 20 + changes * 3 + 30 ))
taskset -c 1 dotnet bench/RadioServer.LoadTool/bin/Release/net10.0/RadioServer.LoadTool.dll --url "http://127.0.0.1:$port/stream" --clients "$n" \
  --rate "$rate" --duration "$hold" --sources 4 --rcvlowat 16384 >"$media/load.txt" 2>&1 &
load=$!
sleep $(( ramp + 5 ))
echo "## $n browser listeners (stream + hub each) on one node, players arriving at $rate/s"
taskset -c 1 dotnet bench/RadioServer.Benchmarks/bin/Release/net10.0/RadioServer.Benchmarks.dll hub --url "http://127.0.0.1:$port" --clients "$n" --changes "$changes" --settle "${SETTLE:-5}"
echo "  server:     $(awk '/VmRSS/ { printf "%.0f MiB RSS", $2 / 1024 }' /proc/$pid/status), listeners $(curl -s "http://127.0.0.1:$port/metrics" | awk '/^radio_listeners / { print $2 }'), hub $(curl -s "http://127.0.0.1:$port/metrics" | awk '/^radio_hub_connections / { print $2 }')"
wait "$load" || true
echo "  players (load tool):"
sed 's/^/    /' "$media/load.txt" | tail -n 12
