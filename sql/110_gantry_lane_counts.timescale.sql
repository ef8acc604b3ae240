-- TimescaleDB layer for gantry_lane_counts: a hypertable compressed per gantry, like vehicle_counts.
select create_hypertable('gantry_lane_counts', by_range('bucket', interval '7 days'), migrate_data => true);
alter table gantry_lane_counts set (timescaledb.compress, timescaledb.compress_segmentby = 'gantry_id', timescaledb.compress_orderby = 'bucket desc');
select add_compression_policy('gantry_lane_counts', interval '30 days');
