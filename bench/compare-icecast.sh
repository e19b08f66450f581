#!/usr/bin/env bash
# Side by side (issue 6): Icecast 2.4 fed in real time by ffmpeg (stream copy) and RadioServer (Release)
# playing the same 128 kbps 44.1 kHz stereo MP3. Each server is pinned to core SERVER_CORE (0), the load
# tool and ffmpeg to CLIENT_CORE (1). For each N of the ladder, the rung runs against Icecast, then against
# RadioServer; a server stops climbing after its first failed rung (stalled + errors > 0, or fewer alive than N).
# Per rung: server CPU (% of one core, /proc/PID/stat, over the steady part after the ramp), server RSS at
# the end of the ramp, and the load tool's JSON. Prints one table; raw lines go to bench/results/*.jsonl.
#
# Usage: bench/compare-icecast.sh
#   LADDER="500 1000 2000 5000 10000 15000 19900"  RUNG_SECONDS=40 (after the ramp)  RATE=1000 (arrivals/s)
#   ICY=1 (Icy-MetaData: 1)  STALLED=K HANGUP=K (extra faulty clients per rung)  RCVLOWAT=16384 SOURCES=4 (load tool:
#   SO_RCVLOWAT; loopback source addresses, so back-to-back rungs do not collide with TIME_WAIT ports)
#   ICECAST_PORT=18000 RADIOSERVER_PORT=18001 SERVER_CORE=0 CLIENT_CORE=1
#   RADIOSERVER_DLL=path (skip the build and run that RadioServer.dll)
#   SERVERS=radioserver (run the rungs against that server only, e.g. to compare two RadioServer builds)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
ladder=${LADDER:-"500 1000 2000 5000 10000 15000 19900"}
rung_seconds=${RUNG_SECONDS:-40}
rate=${RATE:-1000}
icy=${ICY:-0}
stalled=${STALLED:-0}
hangup=${HANGUP:-0}
rcvlowat=${RCVLOWAT:-16384}
sources=${SOURCES:-4}
ice_port=${ICECAST_PORT:-18000}
rs_port=${RADIOSERVER_PORT:-18001}
server_core=${SERVER_CORE:-0}
client_core=${CLIENT_CORE:-1}

log() { echo "compare: $*" >&2; }

# --- what is missing ---------------------------------------------------------------------------------
bash scripts/setup.sh run >/dev/null
missing=()
command -v icecast2 >/dev/null 2>&1 || missing+=(icecast2)
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
command -v jq >/dev/null 2>&1 || missing+=(jq)
command -v taskset >/dev/null 2>&1 || missing+=(util-linux)
command -v ss >/dev/null 2>&1 || missing+=(iproute2)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { log "need root (or sudo) to install ${missing[*]}"; exit 1; }
    sudo_cmd=(sudo)
  fi
  # icecast2's debconf questions (passwords, hostname) take their defaults; its own service is not used.
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ "$(nproc)" -lt 2 ]; then log "needs two cores (server on one, load on the other)"; exit 1; fi
for port in "$ice_port" "$rs_port"; do
  if ss -Hltn "( sport = :$port )" | grep -q .; then log "port $port is in use"; exit 1; fi
done

rs_dll=${RADIOSERVER_DLL:-}
if [ -z "$rs_dll" ]; then
  dotnet build src/RadioServer -c Release -v q -nologo >/dev/null
  rs_dll=$root/src/RadioServer/bin/Release/net10.0/RadioServer.dll
fi
dotnet build bench/RadioServer.LoadTool -c Release -v q -nologo >/dev/null
loadtool=$root/bench/RadioServer.LoadTool/bin/Release/net10.0/RadioServer.LoadTool.dll

# --- temp dir, cleanup ---------------------------------------------------------------------------------
work=$(mktemp -d /tmp/compare-icecast.XXXXXX)
chmod 755 "$work"
pids=() # the servers and the feed, for the trap; plus the load tool while a rung runs
load_pid=
cleanup() {
  local pid
  for pid in $load_pid "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in $load_pid "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Both servers and the load tool may hold ~20,000 sockets each.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 20000 ]; then
  log "warning: ulimit -n is $(ulimit -n); the top rungs need about 20,000 descriptors per process"
fi

# --- the MP3 both servers play ----------------------------------------------------------------------------
mkdir -p "$work/media"
mp3=$work/media/bench-tone.mp3
ffmpeg -nostdin -v error -f lavfi \
  -i "aevalsrc=0.25*sin(2*PI*440*t)+0.05*sin(2*PI*3520*t)|0.25*sin(2*PI*554.37*t)+0.05*sin(2*PI*2637*t):s=44100:d=60" \
  -c:a libmp3lame -b:a 128k -ar 44100 -ac 2 -metadata title="Bench Tone" -metadata artist="compare-icecast" -y "$mp3"

# --- Icecast ---------------------------------------------------------------------------------------------
password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
mkdir -p "$work/icecast-log"
security="<chroot>0</chroot>"
if [ "$(id -u)" -eq 0 ]; then
  # Icecast refuses to run as root unless told which user to become (after binding its port).
  if ! id icecast2 >/dev/null 2>&1; then
    getent group icecast >/dev/null || groupadd --system icecast
    useradd --system --gid icecast --home-dir /nonexistent --shell /usr/sbin/nologin icecast2
  fi
  ice_group=$(id -gn icecast2)
  security="$security<changeowner><user>icecast2</user><group>$ice_group</group></changeowner>"
  chown -R "icecast2:$ice_group" "$work/icecast-log"
fi
web=/usr/share/icecast2/web
[ -d "$web" ] || web=/etc/icecast2/web
admin=/usr/share/icecast2/admin
[ -d "$admin" ] || admin=/etc/icecast2/admin
cat > "$work/icecast.xml" <<EOF
<icecast>
  <location>bench</location>
  <admin>bench@localhost</admin>
  <hostname>127.0.0.1</hostname>
  <limits>
    <clients>25000</clients>
    <sources>2</sources>
    <queue-size>524288</queue-size>
    <client-timeout>30</client-timeout>
    <header-timeout>15</header-timeout>
    <source-timeout>10</source-timeout>
    <burst-on-connect>1</burst-on-connect>
    <burst-size>65536</burst-size>
  </limits>
  <authentication>
    <source-password>$password</source-password>
    <relay-password>$password</relay-password>
    <admin-user>admin</admin-user>
    <admin-password>$password</admin-password>
  </authentication>
  <listen-socket>
    <port>$ice_port</port>
    <bind-address>127.0.0.1</bind-address>
  </listen-socket>
  <fileserve>1</fileserve>
  <paths>
    <basedir>/usr/share/icecast2</basedir>
    <logdir>$work/icecast-log</logdir>
    <webroot>$web</webroot>
    <adminroot>$admin</adminroot>
  </paths>
  <logging>
    <accesslog>access.log</accesslog>
    <errorlog>error.log</errorlog>
    <loglevel>2</loglevel>
    <logsize>100000</logsize>
  </logging>
  <security>$security</security>
</icecast>
EOF

wait_for_stream() { # PORT PID NAME: until GET /stream answers 200 (at most 30 s)
  local code i
  for i in $(seq 1 60); do
    kill -0 "$2" 2>/dev/null || { log "$3 exited"; return 1; }
    code=$(curl -s -o /dev/null --max-time 1 -w '%{http_code}' "http://127.0.0.1:$1/stream" || true)
    [ "$code" = 200 ] && return 0
    sleep 0.5
  done
  log "$3 did not serve /stream within 30 s"
  return 1
}

taskset -c "$server_core" icecast2 -c "$work/icecast.xml" >"$work/icecast.out" 2>&1 &
ice_pid=$!
pids+=("$ice_pid")
sleep 1
if ! kill -0 "$ice_pid" 2>/dev/null; then
  log "icecast2 did not start:"; cat "$work/icecast.out" "$work/icecast-log/error.log" >&2 2>/dev/null || true; exit 1
fi
# The feed: the MP3 as it is (stream copy), in real time, over Icecast's PUT source protocol. No ID3 tag or
# Xing frame in front of the stream.
taskset -c "$client_core" ffmpeg -nostdin -v error -re -stream_loop -1 -i "$mp3" -c:a copy \
  -content_type audio/mpeg -id3v2_version 0 -write_xing 0 -f mp3 \
  "icecast://source:$password@127.0.0.1:$ice_port/stream" >"$work/ffmpeg.out" 2>&1 &
feed_pid=$!
pids+=("$feed_pid")
if ! wait_for_stream "$ice_port" "$feed_pid" "ffmpeg feeding Icecast"; then
  cat "$work/ffmpeg.out" "$work/icecast-log/error.log" >&2 2>/dev/null || true; exit 1
fi

# --- RadioServer -----------------------------------------------------------------------------------------
taskset -c "$server_core" dotnet "$rs_dll" --urls "http://127.0.0.1:$rs_port" --Radio:RootPath="$root" \
  --Radio:MediaPath="$work/media" --Radio:SchedulePath="$work/media/none.json" --Radio:DatabasePath="$work/radioserver.db" \
  --Logging:LogLevel:Default=Warning >"$work/radioserver.out" 2>&1 &
rs_pid=$!
pids+=("$rs_pid")
if ! wait_for_stream "$rs_port" "$rs_pid" "RadioServer"; then cat "$work/radioserver.out" >&2; exit 1; fi

# --- measuring ---------------------------------------------------------------------------------------------
hz=$(getconf CLK_TCK)
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; } # utime + stime
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
now() { date +%s.%N; }
cpu_percent() { awk -v c="$1" -v hz="$hz" -v t="$2" 'BEGIN { printf "%.3f", (t > 0 ? 100 * c / hz / t : 0) }'; }
established() { ss -Htn state established "( sport = :$1 )" | wc -l; }

log "warming up 10 s (Icecast's burst buffer fills, RadioServer's chain settles)"
sleep 10
declare -A idle_cpu idle_rss pid_of port_of
pid_of[icecast]=$ice_pid; port_of[icecast]=$ice_port
pid_of[radioserver]=$rs_pid; port_of[radioserver]=$rs_port
for s in icecast radioserver; do
  c0=$(cpu_ticks "${pid_of[$s]}"); t0=$(now)
  sleep 10
  c1=$(cpu_ticks "${pid_of[$s]}"); t1=$(now)
  idle_cpu[$s]=$(cpu_percent $((c1 - c0)) "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")
  idle_rss[$s]=$(rss_kib "${pid_of[$s]}")
  log "$s idle: ${idle_cpu[$s]}% of one core, $((idle_rss[$s] / 1024)) MiB RSS"
done

mkdir -p bench/results
results=$root/bench/results/compare-icecast-$(date -u +%Y%m%d-%H%M%S).jsonl
: > "$results"
declare -A failed
failed[icecast]=0; failed[radioserver]=0

run_rung() { # SERVER N
  local s=$1 n=$2 pid=${pid_of[$1]} port=${port_of[$1]}
  local total=$((n + stalled + hangup))
  local ramp
  ramp=$(awk -v t="$total" -v r="$rate" 'BEGIN { print (r > 0 ? t / r : 0) }')
  local args=(--url "http://127.0.0.1:$port/stream" --clients "$n" --rate "$rate" --duration "$rung_seconds"
    --rcvlowat "$rcvlowat" --sources "$sources" --stalled "$stalled" --hangup "$hangup" --json)
  [ "$icy" = 1 ] && args+=(--icy)
  local cs ts c0 t0 c1 t1 rss rss_end out=$work/rung.json
  cs=$(cpu_ticks "$pid"); ts=$(now)
  taskset -c "$client_core" dotnet "$loadtool" "${args[@]}" >"$out" 2>"$work/rung.err" &
  load_pid=$!
  sleep "$(awk -v r="$ramp" 'BEGIN { print r + 1 }')"
  c0=$(cpu_ticks "$pid"); t0=$(now); rss=$(rss_kib "$pid")
  sleep "$(awk -v d="$rung_seconds" 'BEGIN { print (d > 4 ? d - 3 : 1) }')"
  c1=$(cpu_ticks "$pid"); t1=$(now); rss_end=$(rss_kib "$pid")
  wait "$load_pid" || true
  load_pid=
  local steady ramp_cpu
  steady=$(cpu_percent $((c1 - c0)) "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")
  ramp_cpu=$(cpu_percent $((c0 - cs)) "$(awk -v a="$ts" -v b="$t0" 'BEGIN { print b - a }')")
  if ! jq -e . "$out" >/dev/null 2>&1; then
    log "$s N=$n: the load tool gave no JSON: $(head -c 500 "$work/rung.err")"
    echo 'null' > "$out"
  fi
  jq -c --arg server "$s" --argjson n "$n" --argjson cpu "$steady" --argjson rampCpu "$ramp_cpu" \
    --argjson rss "$rss" --argjson rssEnd "$rss_end" --argjson idleCpu "${idle_cpu[$s]}" --argjson idleRss "${idle_rss[$s]}" \
    --argjson rate "$rate" --argjson rungSeconds "$rung_seconds" \
    '{server: $server, n: $n, rate: $rate, rungSeconds: $rungSeconds, serverCpuPercent: $cpu, serverCpuRampPercent: $rampCpu,
      serverRssKiB: $rss, serverRssEndKiB: $rssEnd, idleCpuPercent: $idleCpu, idleRssKiB: $idleRss, load: .}' "$out" >> "$results"
  local line
  line=$(tail -n 1 "$results")
  if [ "$(jq '.load == null or (.load.stalled + .load.errors > 0) or (.load.aliveAtEnd < .n)' <<<"$line")" = true ]; then
    failed[$s]=1
  fi
  log "$(jq -r '"\(.server) N=\(.n): " + (if .load == null then "no result" else
    "alive \(.load.aliveAtEnd), stalled \(.load.stalled), errors \(.load.errors) \(.load.errorKinds | tostring), ttfb p99 \(.load.ttfbP99Ms) ms, 16KiB p99 \(.load.audio16KiBP99Ms) ms, server CPU \(.serverCpuPercent)%, RSS \(.serverRssKiB / 1024 | floor) MiB, tool CPU \(.load.toolCpuPercent)%" end)' <<<"$line")"
  # Let the server see every hang-up before the next rung.
  local i
  for i in $(seq 1 40); do
    [ "$(established "$port")" -le 1 ] && break
    sleep 0.5
  done
  kill -0 "$feed_pid" 2>/dev/null || { log "the ffmpeg feed died:"; cat "$work/ffmpeg.out" >&2; exit 1; }
  kill -0 "$pid" 2>/dev/null || { log "$s died"; failed[$s]=1; }
  return 0
}

for n in $ladder; do
  all_failed=1
  for s in ${SERVERS:-icecast radioserver}; do [ "${failed[$s]}" = 1 ] || all_failed=0; done
  [ "$all_failed" = 1 ] && break
  for s in ${SERVERS:-icecast radioserver}; do
    [ "${failed[$s]}" = 1 ] && continue
    run_rung "$s" "$n"
    sleep 2
  done
done

# --- the table -------------------------------------------------------------------------------------------
echo
echo "Icecast $(icecast2 -v 2>/dev/null | awk '{ print $2 }') vs RadioServer, $rate arrivals/s, ${rung_seconds} s after each ramp, ICY $([ "$icy" = 1 ] && echo on || echo off), servers on core $server_core, load tool + ffmpeg on core $client_core"
echo "Idle: Icecast ${idle_cpu[icecast]}% CPU, $((idle_rss[icecast] / 1024)) MiB; RadioServer ${idle_cpu[radioserver]}% CPU (its air chain encodes), $((idle_rss[radioserver] / 1024)) MiB"
echo
jq -rs '
  def f(x; d): if x == null then "-" else ((x * pow(10; d) | round) / pow(10; d) | tostring) end;
  def per1k: if .load == null then null else (.serverCpuPercent - .idleCpuPercent) * 1000 / .n end;
  def kib: if .load == null then null else (.serverRssKiB - .idleRssKiB) / .n end;
  "| N | server | alive | stalled | errors | TTFB p99 ms | 16 KiB p99 ms | CPU % | RSS MiB | CPU % per 1,000 above idle | KiB RSS per listener above idle | load tool CPU % |",
  "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  (group_by(.n)[] as $g
   | ($g[] | "| \(.n) | \(.server) | \(.load.aliveAtEnd // "-") | \(.load.stalled // "-") | \(.load.errors // "-") | \(f(.load.ttfbP99Ms; 1)) | \(f(.load.audio16KiBP99Ms; 1)) | \(f(.serverCpuPercent; 1)) | \(f(.serverRssKiB / 1024; 1)) | \(f(per1k; 2)) | \(f(kib; 2)) | \(f(.load.toolCpuPercent; 1)) |"),
     ([$g[] | select(.server == "icecast")][0] as $i | [$g[] | select(.server == "radioserver")][0] as $r
      | if $i != null and $r != null and $i.serverCpuPercent > 0 then
          "| \($g[0].n) | RadioServer / Icecast | | | | | | \(f($r.serverCpuPercent / $i.serverCpuPercent; 2))x | \(f($r.serverRssKiB / $i.serverRssKiB; 2))x | | | |"
        else empty end))
' "$results"
echo
jq -rs '
  group_by(.server)[] | . as $rows
  | ([$rows[] | select(.load != null and .load.stalled == 0 and .load.errors == 0 and .load.aliveAtEnd >= .n) | .n] | max) as $best
  | "\($rows[0].server): largest N held with no stall and no error: \($best // "none")"
' "$results"
log "raw results: ${results#"$root"/}"
