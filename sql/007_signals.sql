-- Signalised corridors, their intersections and versioned signal plans (green waves).

create table corridors (
  id                 bigserial primary key,
  name               text not null unique,
  description        text,
  cycle_min_s        real not null default 40,
  cycle_max_s        real not null default 150,
  outbound_speed_min_ms real,       -- speed range per direction, m/s
  outbound_speed_max_ms real,
  inbound_speed_min_ms  real,
  inbound_speed_max_ms  real,
  band_ratio         real not null default 1,    -- target inbound/outbound band ratio
  settings           jsonb not null default '{}', -- speed-change limits, queue clearance, lead/lag
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now()
);

create table intersections (
  id                 bigserial primary key,
  corridor_id        bigint not null references corridors (id) on delete cascade,
  seq                integer not null,             -- 1 = reference intersection
  name               text not null,
  distance_m         real not null default 0,      -- from the previous intersection
  lost_time_s        real,
  phases             jsonb not null default '[]',  -- [{"name","flow","saturation","green"?}]
  lat                double precision,
  lon                double precision,
  unique (corridor_id, seq)
);

create table signal_plans (
  id              bigserial primary key,
  corridor_id     bigint not null references corridors (id) on delete cascade,
  version         integer not null,
  status          text not null default 'proposed' check (status in ('proposed', 'approved', 'active', 'retired')),
  method          text not null,                   -- maxband, one_way, webster
  cycle_s         real not null,
  outbound_band_s real,
  inbound_band_s  real,
  efficiency      real,
  solver_status   text,
  result          jsonb not null,                  -- full solution incl. time-space data
  created_by      bigint,
  created_at      timestamptz not null default now(),
  approved_by     bigint,
  approved_at     timestamptz,
  activated_at    timestamptz,
  retired_at      timestamptz,
  unique (corridor_id, version)
);
create unique index signal_plans_one_active on signal_plans (corridor_id) where status = 'active';

create table signal_plan_intersections (
  plan_id          bigint not null references signal_plans (id) on delete cascade,
  intersection_id  bigint not null references intersections (id) on delete cascade,
  offset_s         real not null,
  splits           jsonb not null,                 -- [{"phase","green_s"}]
  primary key (plan_id, intersection_id)
);
