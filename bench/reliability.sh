#!/usr/bin/env bash
# Reliability probes (issue 12): replays each hostile or clumsy input from the hardening issue against a real
# RadioServer (Release) with one healthy listener reading throughout, and prints a table: probe, what was sent,
# what is expected, what was observed, pass/FAIL. The server runs from a scratch root (its own media folder with a
# track whose title tries ICY injection, a folder link loop, its own schedule.json and keys), so nothing in the
# repository is touched.
#
# Usage: bench/reliability.sh            PORT=18010  RADIOSERVER_DLL=path (skip the build)  ONLY=3,5 (some probes)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
port=${PORT:-18010}

log() { echo "reliability: $*" >&2; }

bash scripts/setup.sh run >/dev/null
command -v python3 >/dev/null 2>&1 || { log "installing python3"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 >/dev/null; }
command -v prlimit >/dev/null 2>&1 || { log "installing util-linux"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq util-linux >/dev/null; }
if ss -Hltn "( sport = :$port )" | grep -q .; then log "port $port is in use"; exit 1; fi
rs_dll=${RADIOSERVER_DLL:-}
if [ -z "$rs_dll" ]; then
  dotnet build src/RadioServer -c Release -v q -nologo >/dev/null
  rs_dll=$root/src/RadioServer/bin/Release/net10.0/RadioServer.dll
fi

work=$(mktemp -d /tmp/reliability.XXXXXX)
rs_pid=
cleanup() {
  [ -n "$rs_pid" ] && kill "$rs_pid" 2>/dev/null && wait "$rs_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$work/media/sub"
ffmpeg -loglevel error -f lavfi -i "sine=f=440:d=40" -ac 2 -ar 44100 -b:a 128k \
  -metadata artist="Evil Artist" -metadata title="It';StreamUrl='http://evil.example/';x='" "$work/media/evil.mp3"
ffmpeg -loglevel error -f lavfi -i "sine=f=660:d=40" -ac 2 -ar 44100 -b:a 128k \
  -metadata artist="Good Artist" -metadata title="Plain" "$work/media/sub/plain.mp3"
ln -s .. "$work/media/sub/loop" # a folder link loop: media/sub/loop/sub/loop/...
cat >"$work/schedule.json" <<'EOF'
{ "timeZone": "UTC", "automation": { "title": "Probe Automation", "playlist": { "items": ["evil.mp3"], "order": "sequential" } }, "shows": [] }
EOF
host_key=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')

Radio__Auth__HostKey=$host_key Radio__Auth__OperatorKey=$host_key-op \
  dotnet "$rs_dll" --urls "http://127.0.0.1:$port" --Radio:RootPath="$work" --Radio:DatabasePath="$work/radioserver.db" \
  >"$work/radioserver.out" 2>&1 &
rs_pid=$!
for _ in $(seq 1 60); do
  kill -0 "$rs_pid" 2>/dev/null || { log "RadioServer exited"; cat "$work/radioserver.out" >&2; exit 1; }
  [ "$(curl -s -o /dev/null --max-time 1 -w '%{http_code}' "http://127.0.0.1:$port/healthz" || true)" = 200 ] && break
  sleep 0.5
done

python3 "$root/bench/reliability/probes.py" --port "$port" --pid "$rs_pid" --root "$work" --log "$work/radioserver.out" \
  --host-key "$host_key" --only "${ONLY:-}"
