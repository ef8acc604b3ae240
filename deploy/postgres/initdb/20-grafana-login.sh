#!/bin/sh
# First start of the database container only: the login Grafana uses. It is a member of the read-only
# role tollway_grafana, which the migrations grant SELECT on the dashboard tables (sql/500_grafana_role.sql).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -v pw="$GRAFANA_DB_PASSWORD" <<'SQL'
create role tollway_grafana nologin;
create role grafana login password :'pw' in role tollway_grafana connection limit 20;
-- Even a mistaken grant cannot turn dashboards into writers, and a runaway panel query is cut off.
alter role grafana set default_transaction_read_only = on;
alter role grafana set statement_timeout = '30s';
SQL
