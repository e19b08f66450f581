#!/usr/bin/env bash
# Installs what RadioServer needs and is missing, on Debian or Ubuntu. Safe to run again: it only
# installs what is not there. Usage: scripts/setup.sh [run|test]
set -euo pipefail
purpose=${1:-run}

missing=()
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1" || ls /usr/lib/*/"$1" /usr/lib/"$1" >/dev/null 2>&1; }

have_lib libmp3lame.so.0 || missing+=(libmp3lame0)
have_lib libmpg123.so.0 || missing+=(libmpg123-0) # the MP3 decoder (gapless)
have_lib libebur128.so.1 || missing+=(libebur128-1) # EBU R128 loudness and true peak
if [ "$purpose" = test ]; then
  command -v mpg123 >/dev/null 2>&1 || missing+=(mpg123)
  command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg) # a real live source client (icecast:// output)
  command -v ezstream >/dev/null 2>&1 || missing+=(ezstream) # a real libshout source client
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server) # the hub's backplane across nodes (tests start their own)
  command -v icecast2 >/dev/null 2>&1 || missing+=(icecast2) # a stock Icecast relaying the origin (tests start their own)
fi
command -v dotnet >/dev/null 2>&1 || missing+=(dotnet-sdk-10.0)
[ -d /usr/share/zoneinfo/Europe ] || missing+=(tzdata) # IANA zones for schedule.json
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm) # the build copies the SignalR browser client from node_modules

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); else
      echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  if ! "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    echo "setup: apt-get could not install ${missing[*]}." >&2
    case " ${missing[*]} " in
      *" dotnet-sdk-10.0 "*) echo "setup: the .NET 10 SDK is needed (https://learn.microsoft.com/dotnet/core/install/linux)." >&2 ;;
    esac
    exit 1
  fi
fi

# The browser-side packages (package.json, package-lock.json at the repository root): the build copies
# @microsoft/signalr's browser client from node_modules into Web/wwwroot/lib.
root=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -d "$root/node_modules/@microsoft/signalr" ] || [ ! -d "$root/node_modules/hls.js" ]; then
  echo "setup: npm ci (browser packages)" >&2
  if ! (cd "$root" && npm ci --no-audit --no-fund >/dev/null); then
    echo "setup: npm ci failed in $root; the npm registry must be reachable." >&2
    exit 1
  fi
fi
