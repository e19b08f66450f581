#!/usr/bin/env bash
# Puts the station on the air with the sample media and schedule.json:
#   ./run.sh                       -> http://127.0.0.1:8000/stream
#   RADIO_URLS=http://0.0.0.0:8000 ./run.sh --Radio:StationName="My FM"
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh run
exec dotnet run --project src/RadioServer -c Release -- --urls "${RADIO_URLS:-http://127.0.0.1:8000}" "$@"
