#!/usr/bin/env bash
# Installs what Tollway needs and is missing: Bun (pinned), the npm packages, libzmq5 (apt, when root),
# with --failover pg_auto_failover (bun run ha:local), and with --test the tools the tests use (Debian
# chromium, pg_auto_failover for the failover test; a running PostgreSQL when one is installed).
# Sourced by start.sh and test.sh; prints what it does on stderr and exports PATH with Bun on it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUN_VERSION="1.3.14"
say() { printf '[setup] %s\n' "$*" >&2; }

apt_install() {
  if [ "$(id -u)" != "0" ]; then
    say "missing Debian package(s) $*: run 'sudo apt-get install -y $*' and try again"
    return 1
  fi
  if [ -z "${TOLLWAY_APT_UPDATED:-}" ]; then
    say "apt-get update"
    apt-get update -qq >&2
    export TOLLWAY_APT_UPDATED=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

# Bun: the pinned version, from the npm registry into .tools/ unless the machine already has it.
if command -v bun >/dev/null 2>&1 && [ "$(bun --version)" = "$BUN_VERSION" ]; then
  :
elif [ -x "$ROOT/.tools/node_modules/.bin/bun" ] && [ "$("$ROOT/.tools/node_modules/.bin/bun" --version)" = "$BUN_VERSION" ]; then
  export PATH="$ROOT/.tools/node_modules/.bin:$PATH"
else
  command -v npm >/dev/null 2>&1 || { say "Node.js/npm is needed to install Bun: install nodejs and npm first"; exit 1; }
  say "installing bun@$BUN_VERSION into .tools/"
  npm install --silent --no-audit --no-fund --no-save --prefix "$ROOT/.tools" "bun@$BUN_VERSION" >&2
  export PATH="$ROOT/.tools/node_modules/.bin:$PATH"
fi

# libzmq 4.3 (with libsodium, for CURVE), reached through bun:ffi.
if ! ldconfig -p 2>/dev/null | grep -q 'libzmq\.so\.5'; then
  apt_install libzmq5
fi

cd "$ROOT"
if [ ! -d node_modules ] || [ package.json -nt node_modules ] || [ bun.lock -nt node_modules ]; then
  say "bun install"
  bun install --frozen-lockfile >&2
  touch node_modules
fi

# pg_auto_failover for PostgreSQL 15 (bun run ha:local, test/failover.ha.test.ts). Not root: the
# failover test then fails naming the packages to install.
if [ "${1:-}" = "--failover" ] || [ "${1:-}" = "--test" ]; then
  if [ ! -x /usr/bin/pg_autoctl ] || [ ! -d /usr/lib/postgresql/15/lib ] || ! ls /usr/lib/postgresql/15/lib/pgautofailover.so >/dev/null 2>&1; then
    apt_install postgresql-15-auto-failover pg-auto-failover-cli || true
  fi
fi

if [ "${1:-}" = "--test" ]; then
  # The API docs test drives Debian's Chromium headless.
  [ -x /usr/bin/chromium ] || apt_install chromium || true
  # Integration tests need the PostgreSQL server at 127.0.0.1:5432 (TEST_ADMIN_DATABASE_URL to change it).
  if [ -z "${TEST_ADMIN_DATABASE_URL:-}" ] && command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
    if command -v pg_ctlcluster >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
      for v in $(ls /etc/postgresql 2>/dev/null); do
        say "starting PostgreSQL $v"
        pg_ctlcluster --skip-systemctl-redirect "$v" main start >&2 || true
      done
      for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    fi
  fi
fi
