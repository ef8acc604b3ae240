-- Several ingest instances write one database, and any of them may get any gantry's batches. Each
-- instance remembers a gantry's recent passages (antenna-duplicate removal) and merges reads into
-- them; that memory is only right while no other instance wrote the gantry since. Every group
-- transaction that stores passages (or merges) of a gantry claims the gantry's row here: it locks
-- the row (one writer per gantry at a time, in gantry order so two instances cannot deadlock) and
-- bumps `version` only if it still holds the version the instance's memory was built on. A stale
-- version means another instance wrote the gantry: the transaction rolls back and the group is
-- rebuilt from what is stored. See ingest/README.md (Several instances).
create table ingest_gantry_versions (
  gantry_id  text primary key,
  version    bigint not null default 0
);

-- p_expected[i]: the version the caller's memory of p_gantries[i] was built on; null: lock only
-- (the group writes no passage of that gantry). Returns the gantries whose version moved on.
create function ingest_claim_gantries(p_gantries text[], p_expected int8[]) returns text[]
language plpgsql as $$
declare
  stale text[] := '{}';
  r record;
begin
  insert into ingest_gantry_versions (gantry_id) select g from unnest(p_gantries) g order by g on conflict do nothing;
  -- FOR UPDATE returns the newest committed version of each row, after waiting for its writer.
  for r in
    select v.gantry_id, v.version, u.e
      from unnest(p_gantries, p_expected) u(g, e) join ingest_gantry_versions v on v.gantry_id = u.g
     order by v.gantry_id
       for update of v
  loop
    if r.e is null then
      continue;
    elsif r.version = r.e then
      update ingest_gantry_versions set version = version + 1 where gantry_id = r.gantry_id;
    else
      stale := stale || r.gantry_id;
    end if;
  end loop;
  return stale;
end
$$;
