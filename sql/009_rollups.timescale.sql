-- TimescaleDB layer: hypertables, continuous aggregates (real-time: materialized_only = false),
-- columnstore compression and retention. Applied only when the extension is available.

select create_hypertable('passages', by_range('ts', interval '1 day'), migrate_data => true);
select create_hypertable('dead_letters', by_range('received_at', interval '7 days'), migrate_data => true);
select create_hypertable('vehicle_counts', by_range('bucket', interval '7 days'), migrate_data => true);
select create_hypertable('segment_stats', by_range('bucket', interval '7 days'), migrate_data => true);
select create_hypertable('trips', by_range('start_ts', interval '7 days'), migrate_data => true);
select create_hypertable('ingest_stats', by_range('ts', interval '7 days'), migrate_data => true);

drop view passages_hourly;
drop view passages_daily;
drop view vehicle_counts_hourly;
drop view segment_stats_hourly;

create materialized view passages_hourly
with (timescaledb.continuous, timescaledb.materialized_only = false) as
select time_bucket('1 hour', ts) as bucket, gantry_id, vehicle_class,
       count(*)::bigint as passages,
       count(*) filter (where tag_id is null)::bigint as plate_only,
       coalesce(sum(posted_price_tenths), 0)::bigint as posted_tenths
from passages group by 1, 2, 3 with no data;

create materialized view passages_daily
with (timescaledb.continuous, timescaledb.materialized_only = false) as
select time_bucket('1 day', ts, 'Asia/Taipei') as bucket, vehicle_class,
       count(*)::bigint as passages,
       count(*) filter (where tag_id is null)::bigint as plate_only,
       coalesce(sum(posted_price_tenths), 0)::bigint as posted_tenths
from passages group by 1, 2 with no data;

create materialized view vehicle_counts_hourly
with (timescaledb.continuous, timescaledb.materialized_only = false) as
select time_bucket('1 hour', bucket) as bucket, gantry_id, vehicle_class, source, sum(volume)::bigint as volume
from vehicle_counts group by 1, 2, 3, 4 with no data;

create materialized view segment_stats_hourly
with (timescaledb.continuous, timescaledb.materialized_only = false) as
select time_bucket('1 hour', bucket) as bucket, from_gantry, to_gantry, vehicle_class, source,
       sum(volume)::bigint as volume,
       (sum(speed_kmh * volume) / nullif(sum(volume) filter (where speed_kmh is not null), 0))::real as speed_kmh,
       (sum(travel_time_s * volume) / nullif(sum(volume) filter (where travel_time_s is not null), 0))::real as travel_time_s
from segment_stats group by 1, 2, 3, 4, 5 with no data;

select add_continuous_aggregate_policy('passages_hourly', start_offset => interval '3 days', end_offset => interval '1 hour', schedule_interval => interval '30 minutes');
select add_continuous_aggregate_policy('passages_daily', start_offset => interval '7 days', end_offset => interval '1 day', schedule_interval => interval '1 hour');
select add_continuous_aggregate_policy('vehicle_counts_hourly', start_offset => interval '3 days', end_offset => interval '1 hour', schedule_interval => interval '30 minutes');
select add_continuous_aggregate_policy('segment_stats_hourly', start_offset => interval '3 days', end_offset => interval '1 hour', schedule_interval => interval '30 minutes');

-- Columnstore: recent chunks stay row-based for the ingest; older ones are compressed per gantry.
alter table passages set (timescaledb.compress, timescaledb.compress_segmentby = 'gantry_id', timescaledb.compress_orderby = 'ts desc');
alter table vehicle_counts set (timescaledb.compress, timescaledb.compress_segmentby = 'gantry_id', timescaledb.compress_orderby = 'bucket desc');
alter table segment_stats set (timescaledb.compress, timescaledb.compress_segmentby = 'from_gantry, to_gantry', timescaledb.compress_orderby = 'bucket desc');
alter table dead_letters set (timescaledb.compress, timescaledb.compress_orderby = 'received_at desc');
select add_compression_policy('passages', interval '7 days');
select add_compression_policy('vehicle_counts', interval '30 days');
select add_compression_policy('segment_stats', interval '30 days');
select add_compression_policy('dead_letters', interval '7 days');

-- Retention: raw operational data expires; tolling passages are kept for audits (7 years).
select add_retention_policy('passages', interval '7 years');
select add_retention_policy('dead_letters', interval '180 days');
select add_retention_policy('ingest_stats', interval '90 days');
