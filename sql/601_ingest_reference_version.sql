-- The ingest prices every read with the tariff in force at its time, and rejects batches from
-- gantries it does not know. It must see a change before it builds its next group, not at its
-- next periodic reload: every change to gantries or tariffs (versions, class rates, zones) bumps
-- this one row in the same transaction, and the ingest reads it before each group (one
-- primary-key read) and reloads only when it moved. A row (not a sequence) so the new number
-- becomes visible exactly when the change commits.
create table ingest_reference_version (
  id       boolean primary key default true check (id),
  version  bigint not null
);
insert into ingest_reference_version (id, version) values (true, 1);

create function bump_ingest_reference_version() returns trigger
language plpgsql as $$
begin
  update ingest_reference_version set version = version + 1;
  return null;
end
$$;

create trigger gantries_reference_version after insert or update or delete or truncate on gantries
  for each statement execute function bump_ingest_reference_version();
create trigger tariffs_reference_version after insert or update or delete or truncate on tariffs
  for each statement execute function bump_ingest_reference_version();
create trigger tariff_class_rates_reference_version after insert or update or delete or truncate on tariff_class_rates
  for each statement execute function bump_ingest_reference_version();
create trigger tariff_zones_reference_version after insert or update or delete or truncate on tariff_zones
  for each statement execute function bump_ingest_reference_version();
