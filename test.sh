#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: restores NuGet packages, builds in Release,
# runs the xUnit suite, and checks that the run left nothing behind in /dev/shm or the lock
# directory. Ends with a plain "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET 10 SDK (dotnet) is required on PATH" >&2
  exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
lockdir="${TMPDIR:-/tmp}/zerobuffer"
snapshot() { { ls -1 /dev/shm 2>/dev/null; ls -1 "$lockdir" 2>/dev/null | sed 's/^/lock:/'; } | sort; }
before=$(snapshot)

dotnet restore ZeroBuffer.slnx
dotnet build ZeroBuffer.slnx -c Release --no-restore

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
dotnet test ZeroBuffer.slnx -c Release --no-build \
  --logger "trx;LogFileName=results.trx" --results-directory "$results" \
  --logger "console;verbosity=normal" || status=$?

# Totals from the TRX report (one per test project).
passed=0; failed=0
for trx in "$results"/*.trx "$results"/*/*.trx; do
  [ -f "$trx" ] || continue
  p=$(grep -o 'passed="[0-9]*"' "$trx" | head -1 | tr -dc 0-9); f=$(grep -o 'failed="[0-9]*"' "$trx" | head -1 | tr -dc 0-9)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done

after=$(snapshot)
leaked=$(comm -13 <(echo "$before") <(echo "$after") || true)
if [ -n "$leaked" ]; then
  echo "error: the tests left resources behind:" >&2
  echo "$leaked" >&2
  status=1
fi
if [ "$passed" -eq 0 ]; then
  echo "error: no test ran" >&2
  status=1
fi

echo "tests: $passed passed, $failed failed"
exit $status
