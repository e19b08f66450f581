#!/usr/bin/env bash
# A station across nodes on one machine (docs/scaling.md): a redis-server (persistence off), the origin and two edges,
# each edge relaying the origin (Radio:Origin) and reporting its listeners to it (Radio:EdgeKey, generated per run),
# all nodes pointed at the Redis for the hub (Radio:Redis). Prints the URLs and the origin's view of the station, then
#   bench/cluster.sh             keeps the cluster up until Ctrl-C
#   bench/cluster.sh load        also runs the load tool against both edges (half the players each) and prints each
#                                edge's result and the origin's total at the end, then stops everything
#   bench/cluster.sh delay       the delay an edge adds to the audio: a player on the origin and one on edge1, the same
#                                bytes' arrival compared (SECONDS_DELAY=30), then stops
#   bench/cluster.sh hub         nowPlaying across nodes: the origin plays 3 s tone tracks, HUB_CLIENTS=5000 SignalR
#                                clients (half on each edge) get each change through Redis; delay from the origin's
#                                startedAt to each receipt (p50/p99), then stops
# Settings (environment): BASE_PORT=18100 (origin; edges +1, +2; redis +9)  CLIENTS=30000 RATE=200 (arrivals a second,
#   over both edges) DURATION=60 (seconds held after the ramp)  ORIGIN_CORE=0 EDGE1_CORE=1 EDGE2_CORE=1 CLIENT_CORE=0
#   RADIOSERVER_DLL=path (skip the build)  KEEP=1 (keep the work folder with the nodes' logs)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
mode=${1:-up}
base=${BASE_PORT:-18100}
origin_port=$base; edge1_port=$((base + 1)); edge2_port=$((base + 2)); redis_port=$((base + 9))
clients=${CLIENTS:-30000}
rate=${RATE:-200}
duration=${DURATION:-60}

log() { echo "cluster: $*" >&2; }

bash scripts/setup.sh run >/dev/null
command -v redis-server >/dev/null || { log "installing redis-server"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }
command -v jq >/dev/null 2>&1 || { log "installing jq"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null; }
for port in $origin_port $edge1_port $edge2_port $redis_port; do
  if ss -Hltn "( sport = :$port )" | grep -q .; then log "port $port is in use"; exit 1; fi
done
rs_dll=${RADIOSERVER_DLL:-}
if [ -z "$rs_dll" ]; then
  dotnet build src/RadioServer -c Release -v q -nologo >/dev/null
  rs_dll=$root/src/RadioServer/bin/Release/net10.0/RadioServer.dll
fi
loadtool=$root/bench/RadioServer.LoadTool/bin/Release/net10.0/RadioServer.LoadTool.dll
if [ "$mode" = load ] && [ ! -f "$loadtool" ]; then dotnet build bench/RadioServer.LoadTool -c Release -v q -nologo >/dev/null; fi

work=$(mktemp -d /tmp/cluster.XXXXXX)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "${KEEP:-}" ]; then log "logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true # each edge holds one descriptor a player

# The hub's backplane: loopback only, nothing written to disk.
redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no --dir "$work" --logfile "$work/redis.log" &
pids+=($!)

key=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
export Radio__EdgeKey=$key
common=(--Radio:RootPath="$root" --Radio:Redis="127.0.0.1:$redis_port" --Logging:LogLevel:Default=Warning
  --Logging:LogLevel:RadioServer.Edges=Information --Logging:LogLevel:Microsoft.Hosting.Lifetime=Information)

start() { # NAME PORT CORE ARGS...
  local name=$1 port=$2 core=$3; shift 3
  taskset -c "$core" dotnet "$rs_dll" --urls "http://127.0.0.1:$port" --Radio:DatabasePath="$work/$name.db" \
    --Radio:PublicUrl="http://127.0.0.1:$port" "${common[@]}" "$@" >"$work/$name.out" 2>&1 &
  pids+=($!)
  log "$name on http://127.0.0.1:$port (pid $!, core $core)"
}
wait_ready() { # NAME PORT
  for _ in $(seq 1 120); do
    [ "$(curl -s -o /dev/null --max-time 1 -w '%{http_code}' "http://127.0.0.1:$2/readyz" || true)" = 200 ] && return 0
    sleep 0.5
  done
  log "$1 is not ready"; tail -20 "$work/$1.out" >&2; exit 1
}

origin_args=()
if [ "$mode" = hub ]; then
  command -v sox >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sox >/dev/null
  mkdir -p "$work/media"
  for i in 1 2 3; do sox -n -r 44100 -c 2 "$work/media/0$i Bench - Track $i.wav" synth 3 sine $((300 + i * 100)) vol 0.3 2>/dev/null; done
  origin_args=(--Radio:MediaPath="$work/media" --Radio:SchedulePath="$work/media/none.json")
  dotnet build bench/RadioServer.Benchmarks -c Release -v q -nologo >/dev/null
fi
if [ "$mode" = delay ]; then dotnet build bench/RadioServer.Benchmarks -c Release -v q -nologo >/dev/null; fi
benchtool=$root/bench/RadioServer.Benchmarks/bin/Release/net10.0/RadioServer.Benchmarks.dll
start origin "$origin_port" "${ORIGIN_CORE:-0}" "${origin_args[@]}"
wait_ready origin "$origin_port"
start edge1 "$edge1_port" "${EDGE1_CORE:-1}" --Radio:Origin="http://127.0.0.1:$origin_port" --Radio:EdgeName=edge1
start edge2 "$edge2_port" "${EDGE2_CORE:-1}" --Radio:Origin="http://127.0.0.1:$origin_port" --Radio:EdgeName=edge2
wait_ready edge1 "$edge1_port"
wait_ready edge2 "$edge2_port"

station() { curl -s "http://127.0.0.1:$origin_port/api/status" | jq -c '.edges | { stationListeners, ownListeners, pulls, edges: [.edges[] | { name, listeners, room, originConnected }] }'; }
sleep 3 # a report or two
log "origin's view: $(station)"
echo "origin  http://127.0.0.1:$origin_port/stream"
echo "edge1   http://127.0.0.1:$edge1_port/stream"
echo "edge2   http://127.0.0.1:$edge2_port/stream"
echo "redis   127.0.0.1:$redis_port"

if [ "$mode" = delay ]; then
  sleep 5 # past the edges' first pulls
  taskset -c "${CLIENT_CORE:-0}" dotnet "$benchtool" edge-delay --origin "http://127.0.0.1:$origin_port/stream" \
    --edge "http://127.0.0.1:$edge1_port/stream" --seconds "${SECONDS_DELAY:-30}"
  exit 0
fi
if [ "$mode" = hub ]; then
  hub_clients=${HUB_CLIENTS:-5000}
  hub_pids=()
  for edge in 1 2; do
    taskset -c "$((edge - 1))" dotnet "$benchtool" hub --url "http://127.0.0.1:$((base + edge))" --clients $((hub_clients / 2)) \
      --changes "${CHANGES:-10}" --settle "${SETTLE:-5}" >"$work/hub$edge.txt" 2>&1 &
    hub_pids+=($!)
    pids+=($!)
  done
  for pid in "${hub_pids[@]}"; do wait "$pid" || true; done
  for edge in 1 2; do echo "edge$edge:"; sed 's/^/  /' "$work/hub$edge.txt"; done
  log "origin's backplane: $(curl -s "http://127.0.0.1:$origin_port/api/status" | jq -c '.redis')"
  exit 0
fi
if [ "$mode" != load ]; then
  log "up; Ctrl-C stops every node"
  wait "${pids[1]}"
  exit 0
fi

half=$((clients / 2))
half_rate=$(awk -v r="$rate" 'BEGIN { print r / 2 }')
hold=$(awk -v c="$half" -v r="$half_rate" -v d="$duration" 'BEGIN { printf "%.0f", c / r + d }')
load_pids=()
for edge in 1 2; do
  port=$((base + edge))
  taskset -c "${CLIENT_CORE:-0}" dotnet "$loadtool" --url "http://127.0.0.1:$port/stream" --clients "$half" --rate "$half_rate" \
    --duration "$hold" --rcvlowat 16384 --sources 4 --json >"$work/load$edge.json" 2>"$work/load$edge.err" &
  load_pids+=($!)
  pids+=($!)
done
log "$clients players over both edges at $rate a second, held ${duration} s after the ramp"
sleep "$(awk -v h="$hold" 'BEGIN { print h - 5 }')"
log "origin's view while held: $(station)"
for pid in "${load_pids[@]}"; do wait "$pid" || true; done
for edge in 1 2; do
  if jq -e . "$work/load$edge.json" >/dev/null 2>&1; then
    echo "edge$edge: $(jq -c '{ clients, aliveAtEnd, stalled, errors, errorKinds }' "$work/load$edge.json")"
  else
    echo "edge$edge: the load tool gave no JSON: $(head -c 500 "$work/load$edge.err")"
  fi
done
