#!/usr/bin/env bash
# Runs every test: installs what is missing, makes sure PostgreSQL is up, runs `bun test`, and ends with
# one line "N passed, N failed". Arguments are passed to bun test (e.g. a path filter).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh" --test || exit 1
# setup.sh runs with -e; here a failing test run must still reach the summary line.
set +e
passed=0
failed=0
status=0
# The typecheck and the formatter/linter count as one test each: a type error or unformatted code fails CI.
for check in typecheck lint; do
  if bun run "$check"; then passed=$((passed + 1)); else
    echo "(fail) bun run $check: fix the errors above (bun run format rewrites the formatting)"
    failed=$((failed + 1))
    status=1
  fi
done

# One `bun test` process, its counts added to the totals. Integration tests start servers and databases
# in their hooks: allow them time on a loaded 2-core machine. A test that blocks the event loop (a
# synchronous FFI call that never returns) defeats bun's own per-test timeout; the watchdog turns it into
# a failure naming the file, instead of a silent CI timeout.
run_bun_test() {
  local out rc p f
  out="$(mktemp)"
  timeout --kill-after=30 "${TEST_WATCHDOG_S:-1800}" bun test --timeout 120000 "$@" 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "(fail) bun test did not finish within ${TEST_WATCHDOG_S:-1800} s: the test after the last (pass) above, in the last file named, hangs"
  fi
  p=$(grep -Eo '^ *[0-9]+ pass$' "$out" | tail -1 | grep -Eo '[0-9]+')
  f=$(grep -Eo '^ *[0-9]+ fail$' "$out" | tail -1 | grep -Eo '[0-9]+')
  if [ -z "$p" ]; then
    # bun died before its summary: count what it reported, and the crash as one more failure.
    p=$(grep -c '^(pass)' "$out")
    f=$(($(grep -c '^(fail)' "$out") + 1))
  fi
  if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then f=1; fi
  rm -f "$out"
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  if [ "$rc" -ne 0 ]; then status=1; fi
}

if [ "$#" -gt 0 ]; then
  run_bun_test "$@"
else
  # The whole suite in a few processes rather than one: a single process that has run every file grows
  # until the JIT cannot map memory any more ("mprotect failed", a crash seen in CI), and a crash or a
  # hang then costs one shard, not the run.
  shards="${TEST_SHARDS:-4}"
  mapfile -t files < <(find . -name '*.test.ts' -not -path './node_modules/*' -not -path './.tools/*' -not -path './.data/*' | LC_ALL=C sort)
  for ((shard = 0; shard < shards; shard++)); do
    part=()
    for ((i = shard; i < ${#files[@]}; i += shards)); do part+=("${files[$i]}"); done
    [ "${#part[@]}" -eq 0 ] && continue
    echo "== test shard $((shard + 1)) of $shards: ${#part[@]} files"
    run_bun_test "${part[@]}"
  done
fi
echo "${passed} passed, ${failed} failed"
exit "$status"
