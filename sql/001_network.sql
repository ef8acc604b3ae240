-- Road network: gantries, toll zones (reference table as published) and road segments between
-- consecutive gantries. Portable core: PostgreSQL >= 15, no extension.

create table gantries (
  id            text primary key,                 -- TDCS id, e.g. 01F0017N = freeway 01, mainline, km 1.7, northbound
  road_id       text not null,                    -- Freeway Bureau road id, e.g. 000010
  road_name     text not null,
  freeway       text not null,                    -- first three characters of the id, e.g. 01F
  direction     text not null check (direction in ('N', 'S', 'E', 'W')),
  location_mile text,                             -- as posted, e.g. 1K+700
  km            numeric(7, 1) not null,
  lat           double precision,
  lon           double precision,
  section_start text,
  section_end   text,
  active        boolean not null default true,
  created_at    timestamptz not null default now()
);
create index gantries_road_idx on gantries (freeway, direction, km);

-- The toll-zone table exactly as published (2015 network): what each gantry charges.
-- Tariffs refer to it through tariff_zones, which maps zones onto today's gantries.
create table toll_zones (
  gantry_id            text primary key,          -- 2015 gantry id
  label                text not null,             -- as printed, e.g. 01F-001.7S
  direction            text not null check (direction in ('N', 'S', 'E', 'W')),
  zone_km              numeric(6, 1) not null,
  car_price_tenths     integer not null,          -- posted car price in NT$0.1
  from_interchange     text,
  to_interchange       text,
  lat                  double precision,
  lon                  double precision
);

-- Consecutive gantries of one freeway and direction: the unit of travel times, speeds and hotspots.
create table road_segments (
  from_gantry    text not null references gantries (id),
  to_gantry      text not null references gantries (id),
  freeway        text not null,
  direction      text not null,
  length_km      numeric(7, 1) not null check (length_km > 0),
  free_flow_kmh  numeric(5, 1) not null default 100,   -- reference speed for delay and TTI
  primary key (from_gantry, to_gantry)
);
create index road_segments_to_idx on road_segments (to_gantry);
