#!/usr/bin/env bash
# Runs every test: installs what is missing, makes sure PostgreSQL is up, runs `bun test`, and ends with
# one line "N passed, N failed". Arguments are passed to bun test (e.g. a path filter).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh" --test || exit 1
# setup.sh runs with -e; here a failing test run must still reach the summary line.
set +e
out="$(mktemp)"
# Integration tests start servers and databases in their hooks: allow them time on a loaded 2-core machine.
bun test --timeout 120000 "$@" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
passed=$(grep -Eo '^ *[0-9]+ pass$' "$out" | tail -1 | grep -Eo '[0-9]+')
failed=$(grep -Eo '^ *[0-9]+ fail$' "$out" | tail -1 | grep -Eo '[0-9]+')
if [ -z "$passed" ]; then
  # bun died before its summary: count what it reported, and the crash as one more failure.
  passed=$(grep -c '^(pass)' "$out")
  failed=$(( $(grep -c '^(fail)' "$out") + 1 ))
fi
rm -f "$out"
if [ "$status" -ne 0 ] && [ "${failed:-0}" -eq 0 ]; then failed=1; fi
echo "${passed:-0} passed, ${failed:-0} failed"
exit "$status"
