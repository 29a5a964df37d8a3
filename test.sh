#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: restores NuGet packages, builds in Release,
# runs the xUnit suite, then the Python SDK's pytest suite (including the interop tests against
# the C# CLI just built, and the README's install commands) with Debian's python3, installing
# python3-pytest, python3-venv, python3-setuptools and python3-wheel first when they are missing
# (and nats-server, which the NATS bridge's tests start),
# and checks that the runs left nothing behind in /dev/shm or the lock directory.
# Ends with a plain "N passed, N failed" line (both suites summed).
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET 10 SDK (dotnet) is required on PATH" >&2
  exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
lockdir="${TMPDIR:-/tmp}/zerobuffer"
# Files in /dev/shm and in the lock directories (ours, and upstream C#'s locks/ beside it); the
# directories themselves are shared infrastructure (mode 01777, like /tmp) and stay.
snapshot() {
  {
    ls -1 /dev/shm 2>/dev/null || true
    find "$lockdir" -type f 2>/dev/null | sed "s|^$lockdir/|lock:|" || true
  } | sort
}
before=$(snapshot)

dotnet restore ZeroBuffer.slnx
dotnet build ZeroBuffer.slnx -c Release --no-restore

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
# The NATS bridge's tests (tests/ZeroBuffer.Nats.Tests) start real nats-server processes on
# loopback ports: Debian's package, installed here when it is missing.
if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
  echo "nats-server is missing: installing it with apt-get"
  if ! { apt-get update && apt-get install -y nats-server; }; then
    echo "error: could not install nats-server; the NATS bridge's tests cannot run" >&2
    status=1
  fi
fi

# One run per test project, each with its own TRX report: a shared report name would let one
# project's report overwrite another's, and its tests would go uncounted.
for project in tests/*/*.csproj; do
  dotnet test "$project" -c Release --no-build \
    --logger "trx;LogFileName=$(basename "$project" .csproj).trx" --results-directory "$results" \
    --logger "console;verbosity=normal" || status=$?
done

# Totals from the TRX reports (one per test project).
passed=0; failed=0
for trx in "$results"/*.trx "$results"/*/*.trx; do
  [ -f "$trx" ] || continue
  p=$(grep -o 'passed="[0-9]*"' "$trx" | head -1 | tr -dc 0-9); f=$(grep -o 'failed="[0-9]*"' "$trx" | head -1 | tr -dc 0-9)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done

echo "C# tests: $passed passed, $failed failed"

# The Python SDK's suite, with Debian's python3 (PyPI is not reachable: pytest comes from apt, and
# so do the venv, setuptools and wheel with which test_packaging.py runs the README's install
# commands; ensurepip is what python3-venv adds to Debian's python3).
python=/usr/bin/python3
if ! "$python" -c 'import pytest, ensurepip, setuptools, wheel' >/dev/null 2>&1; then
  echo "pytest, venv, setuptools or wheel is missing for $python: installing them with apt-get"
  if ! { apt-get update && apt-get install -y python3 python3-pytest python3-venv python3-setuptools python3-wheel; }; then
    echo "error: could not install python3-pytest, python3-venv, python3-setuptools and python3-wheel; the Python suite cannot run" >&2
    status=1
  fi
fi
py_passed=0; py_failed=0
py_status=0
"$python" -m pytest python/tests -q -p no:cacheprovider --junitxml="$results/python.xml" || py_status=$?
if [ -f "$results/python.xml" ]; then
  counts=$("$python" - "$results/python.xml" <<'PY' || echo "0 0"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
total = sum(int(s.get("tests", 0)) for s in suites)
bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) + int(s.get("skipped", 0)) for s in suites)
print(total - bad, bad)  # a skipped test counts as failed: the suite has no skips
PY
  )
  py_passed=${counts% *}; py_failed=${counts#* }
fi
echo "Python tests: $py_passed passed, $py_failed failed"
if [ "$py_status" -ne 0 ]; then
  status=1
fi
if [ "$py_passed" -eq 0 ]; then
  echo "error: no Python test ran" >&2
  status=1
fi

after=$(snapshot)
leaked=$(comm -13 <(echo "$before") <(echo "$after") || true)
if [ -n "$leaked" ]; then
  echo "error: the tests left resources behind:" >&2
  echo "$leaked" >&2
  status=1
fi
if [ "$passed" -eq 0 ]; then
  echo "error: no C# test ran" >&2
  status=1
fi

echo "tests: $((passed + py_passed)) passed, $((failed + py_failed)) failed"
exit $status
