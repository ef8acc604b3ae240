-- Control I: natural keys so recomputed and re-imported trips are upserted, never duplicated,
-- and the hotspot job's lookups by source and status.
create unique index trips_source_vehicle_start_idx on trips (source, vehicle_key, start_ts);
create index hotspots_source_status_idx on hotspots (source, status, started_at desc);
