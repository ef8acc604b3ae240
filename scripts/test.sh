#!/usr/bin/env bash
# Runs every test: installs what is missing, makes sure PostgreSQL is up, runs `bun test`, and ends with
# one line "N passed, N failed". Arguments are passed to bun test (e.g. a path filter).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh" --test || exit 1
# setup.sh runs with -e; here a failing test run must still reach the summary line.
set +e
out="$(mktemp)"
# The typecheck and the formatter/linter count as one test each: a type error or unformatted code fails CI.
checks_passed=0
checks_failed=0
for check in typecheck lint; do
  if bun run "$check"; then checks_passed=$((checks_passed + 1)); else
    echo "(fail) bun run $check: fix the errors above (bun run format rewrites the formatting)"
    checks_failed=$((checks_failed + 1))
  fi
done
# Integration tests start servers and databases in their hooks: allow them time on a loaded 2-core machine.
# A test that blocks the event loop (a synchronous FFI call that never returns) defeats bun's own
# per-test timeout; the watchdog turns it into a failure naming the file, instead of a silent CI timeout.
watchdog_s="${TEST_WATCHDOG_S:-2700}"
timeout --kill-after=30 "$watchdog_s" bun test --timeout 120000 "$@" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
  echo "(fail) bun test did not finish within ${watchdog_s} s: the test after the last (pass) above, in the last file named, hangs"
fi
passed=$(grep -Eo '^ *[0-9]+ pass$' "$out" | tail -1 | grep -Eo '[0-9]+')
failed=$(grep -Eo '^ *[0-9]+ fail$' "$out" | tail -1 | grep -Eo '[0-9]+')
if [ -z "$passed" ]; then
  # bun died before its summary: count what it reported, and the crash as one more failure.
  passed=$(grep -c '^(pass)' "$out")
  failed=$(( $(grep -c '^(fail)' "$out") + 1 ))
fi
rm -f "$out"
if [ "$status" -ne 0 ] && [ "${failed:-0}" -eq 0 ]; then failed=1; fi
passed=$(( ${passed:-0} + checks_passed ))
failed=$(( ${failed:-0} + checks_failed ))
if [ "$checks_failed" -ne 0 ] && [ "$status" -eq 0 ]; then status=1; fi
echo "${passed} passed, ${failed} failed"
exit "$status"
