#!/bin/sh
# A pg_auto_failover data node: created on the first start (the monitor makes the first one the
# primary and the next a synchronous standby, copied with pg_basebackup), then run. TimescaleDB is
# preloaded so the migrations apply its layer.
set -eu
if [ ! -f "$PGDATA/.tollway-created" ]; then
  pg_autoctl create postgres --pgdata "$PGDATA" --hostname "${NODE_HOSTNAME:?}" --name "$NODE_HOSTNAME" \
    --dbname tollway --username tollway --monitor "${PG_AUTOCTL_MONITOR:?}" --auth trust --ssl-self-signed --pg-hba-lan
  # TimescaleDB preloaded (pg_autoctl preloads pg_stat_statements: kept); room for two of each component (DATABASE_POOL_MAX 10 each).
  grep -q "^shared_preload_libraries = 'timescaledb" "$PGDATA/postgresql.conf" \
    || printf "shared_preload_libraries = 'timescaledb,pg_stat_statements'\nmax_connections = 200\n" >> "$PGDATA/postgresql.conf"
  touch "$PGDATA/.tollway-created"
fi
exec pg_autoctl run --pgdata "$PGDATA"
