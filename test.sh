#!/usr/bin/env bash
# Installs what the tests need and is missing, then runs every test of the solution.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh test
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test RadioServer.sln -c Release "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One plain closing line for CI: "tests: N passed, N failed, N skipped".
awk -F'[:,]' '/(Passed|Failed)! +- +Failed:/ { f += $2; p += $4; s += $6 } END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
