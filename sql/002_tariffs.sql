-- Tariffs: versioned with effective periods, per-class rates per km, zone lengths per gantry, and a
-- calendar of special days. Money is integer NT$0.1 ("tenths") everywhere; lengths are integer 0.1 km.

create table tariffs (
  id                        bigserial primary key,
  code                      text not null,               -- e.g. TW-ETC-DISTANCE
  version                   integer not null check (version > 0),
  name                      text not null,
  network_version           text not null,               -- which gantry list the zones price
  effective_from            timestamptz not null,
  effective_to              timestamptz,                 -- null: open-ended
  daily_free_km_tenths      integer not null default 200 check (daily_free_km_tenths >= 0),
  long_distance_km_tenths   integer not null default 2000 check (long_distance_km_tenths >= 0),
  long_distance_discount_pct numeric(5, 2) not null default 25 check (long_distance_discount_pct between 0 and 100),
  status                    text not null default 'active' check (status in ('draft', 'active', 'retired')),
  created_at                timestamptz not null default now(),
  unique (code, version),
  check (effective_to is null or effective_to > effective_from)
);
create index tariffs_effective_idx on tariffs (effective_from desc) where status = 'active';

create table tariff_class_rates (
  tariff_id           bigint not null references tariffs (id) on delete cascade,
  vehicle_class       smallint not null check (vehicle_class in (31, 32, 41, 42, 5)),
  rate_tenths_per_km  integer not null check (rate_tenths_per_km >= 0),  -- 12 = NT$1.2/km
  primary key (tariff_id, vehicle_class)
);

-- Zone length charged at each gantry under a tariff. A gantry without a row is not a charging point.
create table tariff_zones (
  tariff_id      bigint not null references tariffs (id) on delete cascade,
  gantry_id      text not null,
  zone_km_tenths integer not null check (zone_km_tenths >= 0),
  primary key (tariff_id, gantry_id)
);

-- Special days, applied by the local day (and local time) at which the vehicle passes.
create table tariff_special_days (
  id            bigserial primary key,
  tariff_id     bigint references tariffs (id) on delete cascade,   -- null: every tariff
  day           date not null,
  kind          text not null check (kind in ('single_rate', 'free_hours', 'section_discount')),
  rate_pct      numeric(5, 2) check (rate_pct between 0 and 100),  -- single_rate: e.g. 75, no free km
  free_from     time,                                              -- free_hours, local time, [from, to)
  free_to       time,
  gantry_ids    text[],                                            -- section_discount: gantries affected
  discount_pct  numeric(5, 2) check (discount_pct between 0 and 100),
  note          text,
  created_at    timestamptz not null default now(),
  check (kind <> 'single_rate' or rate_pct is not null),
  check (kind <> 'free_hours' or (free_from is not null and free_to is not null)),
  check (kind <> 'section_discount' or (gantry_ids is not null and discount_pct is not null))
);
create index tariff_special_days_day_idx on tariff_special_days (day);
