-- Congestion-responsive tolling (control/pricing): which segments are priced, operator overrides,
-- and the append-only log of published prices (multiplier in per-mille, 1000 = the fixed rate).
create table priced_segments (
  from_gantry  text not null,
  to_gantry    text not null,
  enabled      boolean not null default true,
  created_at   timestamptz not null default now(),
  primary key (from_gantry, to_gantry),
  foreign key (from_gantry, to_gantry) references road_segments (from_gantry, to_gantry)
);

-- An operator's cap or freeze; the API writes the audit_log entry in the same transaction.
create table price_overrides (
  from_gantry   text not null,
  to_gantry     text not null,
  cap_permille  integer check (cap_permille between 1000 and 10000),
  frozen        boolean not null default false,
  set_by        text not null,
  set_at        timestamptz not null default now(),
  primary key (from_gantry, to_gantry),
  foreign key (from_gantry, to_gantry) references priced_segments (from_gantry, to_gantry)
);

-- Every price announced, with the speed and volume behind it. Append-only: a charge is re-priced
-- from it, so no row may change or go.
create table price_log (
  id               bigserial primary key,
  from_gantry      text not null,
  to_gantry        text not null,
  announced_at     timestamptz not null,
  effective_from   timestamptz not null check (effective_from >= announced_at),
  permille         integer not null check (permille between 1000 and 10000),
  speed_kmh        real,
  volume           integer not null default 0,
  above_updates    integer not null default 0,   -- consecutive updates above the band (hysteresis state)
  reason           text not null,
  foreign key (from_gantry, to_gantry) references priced_segments (from_gantry, to_gantry)
);
create index price_log_segment_idx on price_log (from_gantry, to_gantry, effective_from desc);

create function price_log_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'price_log is append-only' using errcode = 'restrict_violation';
end $$;
create trigger price_log_append_only before update or delete on price_log
  for each row execute function price_log_append_only();
create trigger price_log_no_truncate before truncate on price_log
  for each statement execute function price_log_append_only();
