-- Incidents detected from overdue tags (control/incidents): one row per incident, its lifecycle
-- (raised -> confirmed -> cleared), severity, the queue upstream and the hotspot it became.
create table incidents (
  id                      bigserial primary key,
  from_gantry             text not null,          -- the incident segment (the most downstream alarmed)
  to_gantry               text not null,
  freeway                 text not null,
  direction               text not null,
  km                      numeric(7, 1) not null, -- the segment's downstream gantry
  status                  text not null default 'raised' check (status in ('raised', 'confirmed', 'cleared')),
  severity                text not null default 'minor' check (severity in ('minor', 'moderate', 'severe')),
  started_at              timestamptz not null,   -- entry of the first overdue vehicle
  raised_at               timestamptz not null,
  confirmed_at            timestamptz,
  cleared_at              timestamptz,
  overdue_vehicles        integer not null default 0,
  longest_overdue_s       real not null default 0,
  expected_travel_time_s  real not null,
  speed_bound_kmh         real,                   -- length / longest time an overdue vehicle was out
  extent_upstream_km      numeric(7, 1) not null default 0,
  queue_segments          text[] not null default '{}', -- alarmed segments upstream, 'FROM>TO'
  hotspot_id              bigint references hotspots (id) on delete set null,
  updated_at              timestamptz not null default now()
);
create index incidents_status_idx on incidents (status, raised_at desc);
create index incidents_segment_idx on incidents (from_gantry, to_gantry, raised_at desc);
