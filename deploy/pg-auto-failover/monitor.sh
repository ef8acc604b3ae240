#!/bin/sh
# The pg_auto_failover monitor: created on the first start, then run. Failover timings as in
# docs/deployment.md (defaults fail over in about 50 s; these in about 15 s).
set -eu
if [ ! -f "$PGDATA/PG_VERSION" ]; then
  pg_autoctl create monitor --pgdata "$PGDATA" --hostname "${NODE_HOSTNAME:?}" --auth trust --ssl-self-signed
  cat >> "$PGDATA/postgresql.conf" <<CONF
pgautofailover.health_check_period = 2000
pgautofailover.health_check_timeout = 2000
pgautofailover.health_check_max_retries = 2
pgautofailover.health_check_retry_delay = 1000
pgautofailover.node_considered_unhealthy_timeout = 6000
pgautofailover.primary_demote_timeout = 10000
CONF
fi
exec pg_autoctl run --pgdata "$PGDATA"
