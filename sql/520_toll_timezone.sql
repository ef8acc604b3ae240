-- The tolling time zone (TOLL_TIMEZONE) in SQL. 009 wrote Asia/Taipei into passages_daily; from here
-- the zone is configuration: the migrator calls set_toll_timezone(TOLL_TIMEZONE) at the end of every
-- run, which rebuilds what buckets by local day only when the zone changed. The zone is written into
-- the view as a literal, so a query pays nothing for it.
create table toll_settings (
  only_row boolean primary key default true check (only_row),
  toll_timezone text not null
);
insert into toll_settings (toll_timezone) values ('Asia/Taipei');

-- The configured zone, for queries that need local days.
create function toll_timezone() returns text
language sql stable as $$ select toll_timezone from toll_settings $$;

-- Rebuilds what buckets by local day in `zone` (the TimescaleDB layer replaces it for its continuous aggregate).
create function rebuild_local_day_views(zone text) returns void
language plpgsql as $$
begin
  execute format($view$
    create or replace view passages_daily as
    select (date_trunc('day', ts at time zone %1$L) at time zone %1$L) as bucket, vehicle_class,
           count(*)::bigint as passages,
           count(*) filter (where tag_id is null)::bigint as plate_only,
           coalesce(sum(posted_price_tenths), 0)::bigint as posted_tenths
    from passages group by 1, 2$view$, zone);
end
$$;

-- Returns whether the zone changed. An unknown zone is an error before anything changes.
create function set_toll_timezone(zone text) returns boolean
language plpgsql as $$
begin
  perform now() at time zone zone;
  if zone = toll_timezone() then
    return false;
  end if;
  update toll_settings set toll_timezone = zone;
  perform rebuild_local_day_views(zone);
  return true;
end
$$;
