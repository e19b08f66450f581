#!/usr/bin/env bash
# NOW PLAYING delay with many players: starts RadioServer (Release) on short 3 s tracks so the title
# changes often, connects N SignalR WebSocket clients, and prints the delay from each track change to
# each client's receipt of nowPlaying (p50/p99). Usage: bench/hub-latency.sh [CLIENTS] [CHANGES]
# PIN=1 pins the server to core 0 and the load tool to core 1 (as the listener benchmark does).
# SETTLE=5: changes in the first SETTLE s after the last client connected are reported apart (the wave's
# garbage is collected then). HUB_PER_CHANGE=1 prints every change. SERVER_ERR=file keeps the server's stderr.
# SERVER_ARGS="--Radio:Memory:WaveConnections=0" passes settings to the server (that one: no collection after the wave).
# RADIOSERVER_DLL=path runs another build of the server (A/B against an older commit), as compare-icecast.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-2000}
changes=${2:-10}
port=18761
bash scripts/setup.sh run >/dev/null
command -v sox >/dev/null || apt-get install -y -qq sox >/dev/null
media=$(mktemp -d)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$media"' EXIT
for i in 1 2 3; do sox -n -r 44100 -c 2 "$media/0$i Bench - Track $i.wav" synth 3 sine $((300 + i * 100)) vol 0.3 2>/dev/null; done
dotnet build src/RadioServer -c Release -v q -nologo >/dev/null
dotnet build bench/RadioServer.Benchmarks -c Release -v q -nologo >/dev/null
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
server_cpu=() client_cpu=()
if [[ "${PIN:-0}" == 1 ]]; then server_cpu=(taskset -c 0) client_cpu=(taskset -c 1); fi
"${server_cpu[@]}" dotnet "${RADIOSERVER_DLL:-src/RadioServer/bin/Release/net10.0/RadioServer.dll}" --urls "http://127.0.0.1:$port" --Radio:MediaPath="$media" \
  --Radio:SchedulePath="$media/none.json" --Radio:DatabasePath="$media/history.db" --Logging:LogLevel:Default=Warning \
  --Logging:LogLevel:RadioServer.Hosting.ConnectionWaveCollector=Information ${SERVER_ARGS:-} >"$media/server.log" 2>${SERVER_ERR:-/dev/null} &
pid=$!
sleep 5
"${client_cpu[@]}" dotnet bench/RadioServer.Benchmarks/bin/Release/net10.0/RadioServer.Benchmarks.dll hub --url "http://127.0.0.1:$port" --clients "$clients" --changes "$changes" --settle "${SETTLE:-5}"
echo "  server:     $(awk '/VmRSS/ { printf "%.0f MiB RSS", $2 / 1024 }' /proc/$pid/status), $(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f s CPU in total", ($14 + $15) / hz }' /proc/$pid/stat)"
grep -h -A1 "WaveCollected\|Collected after" "$media/server.log" | sed -n 's/^ *\(Collected after.*\)/  server:     \1/p' || true
