#!/usr/bin/env bash
# Runs the whole Tollway system: installs what is missing, then `bun run start`
# (embedded database unless DATABASE_URL is set). Ctrl-C stops everything.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
exec bun run start "$@"
