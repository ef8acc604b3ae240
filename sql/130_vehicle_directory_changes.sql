-- The ingest keeps every registered tag and plate in memory (ingest/service/vehicle-directory.ts)
-- and, before each group of reads, fetches the rows changed since its last look. Per-read lookups
-- of vehicles not cached cost ~0.9 µs of CPU a read in bench:ingest (the database probes and the
-- result parsing); a directory kept current costs one indexed query a group.
--
-- changed_xid is the transaction that last wrote the row. A reader notes the oldest transaction
-- still running (pg_snapshot_xmin) before it reads, and next time asks for changed_xid >= that:
-- a change committed after a look, by a transaction that had started before it, is not missed.
alter table tags add column changed_xid xid8 not null default pg_current_xact_id();
alter table vehicles add column changed_xid xid8 not null default pg_current_xact_id();
create index tags_changed_xid_idx on tags (changed_xid);
create index vehicles_changed_xid_idx on vehicles (changed_xid);

create function touch_changed_xid() returns trigger
language plpgsql as $$
begin
  new.changed_xid := pg_current_xact_id();
  return new;
end
$$;

create trigger tags_changed_xid before update on tags for each row execute function touch_changed_xid();
create trigger vehicles_changed_xid before update on vehicles for each row execute function touch_changed_xid();
