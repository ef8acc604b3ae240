-- TimescaleDB layer of 520: passages_daily is a continuous aggregate (009), whose buckets cannot
-- change in place. A new zone drops and recreates it (real-time, so queries stay complete; days
-- older than the refresh policy's 7 days are then computed from passages until
-- `call refresh_continuous_aggregate('passages_daily', null, null)` materialises them again).
-- Its statements are dynamic: TimescaleDB rewrites the statement it runs, and a plan cached by the
-- function would replay the rewritten one on the next call.
create or replace function rebuild_local_day_views(zone text) returns void
language plpgsql as $$
begin
  execute 'drop materialized view passages_daily';
  execute format($view$
    create materialized view passages_daily
    with (timescaledb.continuous, timescaledb.materialized_only = false) as
    select time_bucket('1 day', ts, %L) as bucket, vehicle_class,
           count(*)::bigint as passages,
           count(*) filter (where tag_id is null)::bigint as plate_only,
           coalesce(sum(posted_price_tenths), 0)::bigint as posted_tenths
    from passages group by 1, 2 with no data$view$, zone);
  perform add_continuous_aggregate_policy('passages_daily', start_offset => interval '7 days', end_offset => interval '1 day', schedule_interval => interval '1 hour');
  if exists (select from pg_catalog.pg_roles where rolname = 'tollway_grafana') then
    execute 'grant select on passages_daily to tollway_grafana';
  end if;
end
$$;

-- The continuous aggregate of 009 buckets by Asia/Taipei, also when this layer is switched on for a
-- database whose core already set another zone: record that, so the migrator's call rebuilds it.
update toll_settings set toll_timezone = 'Asia/Taipei';
