-- Hourly and daily rollups for dashboards and reports. Plain views here; the TimescaleDB layer
-- (009_rollups.timescale.sql) replaces them with continuous aggregates of the same names and columns.
-- Days are local days in Asia/Taipei, the tolling day.

create view passages_hourly as
select date_trunc('hour', ts) as bucket, gantry_id, vehicle_class,
       count(*)::bigint as passages,
       count(*) filter (where tag_id is null)::bigint as plate_only,
       coalesce(sum(posted_price_tenths), 0)::bigint as posted_tenths
from passages group by 1, 2, 3;

create view passages_daily as
select (date_trunc('day', ts at time zone 'Asia/Taipei') at time zone 'Asia/Taipei') as bucket, vehicle_class,
       count(*)::bigint as passages,
       count(*) filter (where tag_id is null)::bigint as plate_only,
       coalesce(sum(posted_price_tenths), 0)::bigint as posted_tenths
from passages group by 1, 2;

create view vehicle_counts_hourly as
select date_trunc('hour', bucket) as bucket, gantry_id, vehicle_class, source, sum(volume)::bigint as volume
from vehicle_counts group by 1, 2, 3, 4;

create view segment_stats_hourly as
select date_trunc('hour', bucket) as bucket, from_gantry, to_gantry, vehicle_class, source,
       sum(volume)::bigint as volume,
       -- volume-weighted means; intervals without vehicles carry no weight
       (sum(speed_kmh * volume) / nullif(sum(volume) filter (where speed_kmh is not null), 0))::real as speed_kmh,
       (sum(travel_time_s * volume) / nullif(sum(volume) filter (where travel_time_s is not null), 0))::real as travel_time_s
from segment_stats group by 1, 2, 3, 4, 5;
