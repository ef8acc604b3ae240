-- ingest_batches is what makes a resent batch a 'duplicate': a row must stay as long as a resend of
-- its batch could still be stored, i.e. while any of its reads is still inside the ingest's read
-- window (INGEST_READ_MAX_AGE_S + INGEST_READ_MAX_AHEAD_S after it was received). Older rows are
-- compacted into ingest_batch_hourly (per gantry and hour: what the dashboards chart) and deleted by
-- the control's retention job (core/retention/), on PostgreSQL and TimescaleDB alike (the table's key
-- (gantry_id, batch_no) has no time column, so it is not a hypertable). The horizon is
-- INGEST_BATCH_HORIZON_S (default: that read window + 1 day).
-- received_at: the job's range and the dashboards' time filter. BRIN: rows arrive in received_at
-- order, and a BRIN costs the ingest's insert path next to nothing.
create index ingest_batches_received_brin on ingest_batches using brin (received_at) with (pages_per_range = 32);

create table ingest_batch_hourly (
  gantry_id           text not null,
  hour                timestamptz not null,
  batches             bigint not null,
  reads               bigint not null,
  accepted            bigint not null,
  rejected            bigint not null,
  antenna_duplicates  bigint not null,
  primary key (gantry_id, hour)
);
