#!/usr/bin/env bash
# Memory under churn (issue 6): starts RadioServer (Release), records its RSS after a warm-up, then runs
# waves of listeners with the load tool (each wave: WAVE_CLIENTS connect over WAVE_RAMP seconds, hold
# WAVE_HOLD seconds, all disconnect; every other wave asks for ICY metadata; a few stalled and hang-up
# clients ride along), and prints RSS before, during and after each wave, and at the end, with the
# difference from the level before the waves (the issue asks for within 10%).
#
# Usage: bench/churn.sh
#   WAVES=4 WAVE_CLIENTS=5000 WAVE_RAMP=5 WAVE_HOLD=10 SETTLE=5 (after each wave) FINAL_WAIT=10 WARMUP=20
#   STALLED=10 HANGUP=10 (per wave)  PORT=18002 SERVER_CORE=0 CLIENT_CORE=1  RADIOSERVER_DLL=path (skip the build)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
waves=${WAVES:-4}
clients=${WAVE_CLIENTS:-5000}
ramp=${WAVE_RAMP:-5}
hold=${WAVE_HOLD:-10}
settle=${SETTLE:-5}
final_wait=${FINAL_WAIT:-10}
warmup=${WARMUP:-20}
stalled=${STALLED:-10}
hangup=${HANGUP:-10}
port=${PORT:-18002}
server_core=${SERVER_CORE:-0}
client_core=${CLIENT_CORE:-1}

log() { echo "churn: $*" >&2; }

bash scripts/setup.sh run >/dev/null
command -v jq >/dev/null 2>&1 || { log "installing jq"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null; }
if ss -Hltn "( sport = :$port )" | grep -q .; then log "port $port is in use"; exit 1; fi
rs_dll=${RADIOSERVER_DLL:-}
if [ -z "$rs_dll" ]; then
  dotnet build src/RadioServer -c Release -v q -nologo >/dev/null
  rs_dll=$root/src/RadioServer/bin/Release/net10.0/RadioServer.dll
fi
dotnet build bench/RadioServer.LoadTool -c Release -v q -nologo >/dev/null
loadtool=$root/bench/RadioServer.LoadTool/bin/Release/net10.0/RadioServer.LoadTool.dll

work=$(mktemp -d /tmp/churn.XXXXXX)
rs_pid=
load_pid=
cleanup() {
  local pid
  for pid in $load_pid $rs_pid; do kill "$pid" 2>/dev/null || true; done
  for pid in $load_pid $rs_pid; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

taskset -c "$server_core" dotnet "$rs_dll" --urls "http://127.0.0.1:$port" --Radio:RootPath="$root" \
  --Radio:DatabasePath="$work/radioserver.db" --Logging:LogLevel:Default=Warning \
  --Logging:LogLevel:RadioServer.Hosting.ConnectionWaveCollector=Information >"$work/radioserver.out" 2>&1 &
rs_pid=$!
for _ in $(seq 1 60); do
  kill -0 "$rs_pid" 2>/dev/null || { log "RadioServer exited"; cat "$work/radioserver.out" >&2; exit 1; }
  [ "$(curl -s -o /dev/null --max-time 1 -w '%{http_code}' "http://127.0.0.1:$port/stream" || true)" = 200 ] && break
  sleep 0.5
done

rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$rs_pid/status"; }
row() { # LABEL KIB
  awk -v label="$1" -v k="$2" -v base="${base:-$2}" \
    'BEGIN { printf "| %-34s | %8.1f MiB | %+7.1f%% |\n", label, k / 1024, 100 * (k - base) / base }'
}

log "warming up ${warmup} s"
sleep "$warmup"
base=$(rss_kib)
rows=("$(row "before the waves (after ${warmup} s)" "$base")")
peak=$base
rate=$(awk -v c="$((clients + stalled + hangup))" -v r="$ramp" 'BEGIN { print (r > 0 ? c / r : 0) }')
for w in $(seq 1 "$waves"); do
  args=(--url "http://127.0.0.1:$port/stream" --clients "$clients" --rate "$rate" --duration "$hold" --rcvlowat 16384 --sources 4
    --stalled "$stalled" --hangup "$hangup" --json)
  [ $((w % 2)) -eq 0 ] && args+=(--icy)
  taskset -c "$client_core" dotnet "$loadtool" "${args[@]}" >"$work/wave.json" 2>"$work/wave.err" &
  load_pid=$!
  sleep "$(awk -v r="$ramp" -v h="$hold" 'BEGIN { print r + h / 2 }')"
  during=$(rss_kib)
  [ "$during" -gt "$peak" ] && peak=$during
  wait "$load_pid" || true
  load_pid=
  if jq -e . "$work/wave.json" >/dev/null 2>&1; then
    log "wave $w: $(jq -r '"alive \(.aliveAtEnd)/\(.clients), stalled \(.stalled), errors \(.errors) \(.errorKinds | tostring), ICY \(.icy), stalled extras dropped \(.stalledExtras.droppedByServer)/\(.stalledExtras.requested), hung up \(.hangupExtras.hungUp)/\(.hangupExtras.requested), tool CPU \(.toolCpuPercent)%"' "$work/wave.json")"
  else
    log "wave $w: the load tool gave no JSON: $(head -c 500 "$work/wave.err")"
  fi
  rows+=("$(row "wave $w: $clients listeners, held" "$during")")
  sleep "$settle"
  after=$(rss_kib)
  [ "$after" -gt "$peak" ] && peak=$after
  rows+=("$(row "wave $w: ${settle} s after all left" "$after")")
done
sleep "$final_wait"
final=$(rss_kib)
rows+=("$(row "final (${final_wait} s after the last wave)" "$final")")

echo
echo "RadioServer RSS under churn: $waves waves of $clients listeners (+$stalled stalled, +$hangup hang-up) over ${ramp} s, held ${hold} s"
echo
echo "| when | RSS | vs before |"
echo "| --- | ---: | ---: |"
printf '%s\n' "${rows[@]}"
echo
awk -v b="$base" -v f="$final" -v p="$peak" 'BEGIN {
  d = 100 * (f - b) / b
  printf "final vs before: %+.1f%% (%s the 10%% bound); highest seen %.1f MiB\n", d, (d <= 10 ? "within" : "OUTSIDE"), p / 1024 }'
grep -h "Collected after" "$work/radioserver.out" | sed 's/^ */server: /' || true
