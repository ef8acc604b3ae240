#!/usr/bin/env bash
# Runs every test: installs what is missing, makes sure PostgreSQL is up, runs `bun test`, and ends with
# one line "N passed, N failed". Arguments are passed to bun test (e.g. a path filter).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh" --test || exit 1
out="$(mktemp)"
# Integration tests start servers and databases in their hooks: allow them time on a loaded 2-core machine.
bun test --timeout 120000 "$@" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
passed=$(grep -Eo '^ *[0-9]+ pass$' "$out" | tail -1 | grep -Eo '[0-9]+' || echo 0)
failed=$(grep -Eo '^ *[0-9]+ fail$' "$out" | tail -1 | grep -Eo '[0-9]+' || echo 0)
rm -f "$out"
# A crash before the summary still counts as a failure.
if [ "$status" -ne 0 ] && [ "${failed:-0}" -eq 0 ]; then failed=1; fi
echo "${passed:-0} passed, ${failed:-0} failed"
exit "$status"
