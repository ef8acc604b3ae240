-- The login Grafana uses (run once by the `db-init` service of docker-compose.yml, idempotent): a
-- member of the read-only role tollway_grafana that the migrations grant SELECT on the dashboard
-- tables (sql/500_grafana_role.sql). psql -v pw=... sets its password.
select format('create role tollway_grafana nologin') where not exists (select from pg_roles where rolname = 'tollway_grafana') \gexec
select format('create role grafana login password %L in role tollway_grafana connection limit 20', :'pw')
 where not exists (select from pg_roles where rolname = 'grafana') \gexec
alter role grafana set default_transaction_read_only = on;
alter role grafana set statement_timeout = '30s';
