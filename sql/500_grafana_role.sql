-- Read-only role for Grafana's datasource (NOLOGIN: deployments create a login role that is a member
-- of it, see deploy/postgres/). Roles are cluster-wide while migrations run per database, and several
-- databases on one server may migrate at once: create it only when missing and tolerate a race.
do $$
begin
  if not exists (select from pg_catalog.pg_roles where rolname = 'tollway_grafana') then
    create role tollway_grafana nologin;
  end if;
exception when duplicate_object or unique_violation then
  null;
end
$$;

grant usage on schema public to tollway_grafana;
grant select on all tables in schema public to tollway_grafana;
-- Dashboards need no secrets or personal data: key hashes, device keys, stored API responses,
-- customer contacts and plates of registered vehicles stay out of reach.
revoke select on api_keys, gantry_keys, idempotency_keys, audit_log, accounts, vehicles from tollway_grafana;
-- Tables and views added by later migrations (run by the same owner) are readable too.
alter default privileges in schema public grant select on tables to tollway_grafana;
