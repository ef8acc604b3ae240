-- The tag status list's versions in commit order. tag_status_changes.version comes from a
-- sequence, taken when the change is written; a transaction that takes a version and commits
-- later than one that took a higher version (settlement writes status changes inside a long
-- transaction) would be invisible to a partner who already asked "since" the higher one: the
-- change was missed for good.
--
-- list_version is given at commit instead: a deferred constraint trigger takes the one-row
-- counter below (its row lock is held until the commit that follows), so versions are handed out
-- in commit order and a snapshot that sees version N sees every version below N. The lock is held
-- only for the commit of a status-changing transaction (the tag routes take it at their change,
-- a few statements before commit). tags.status_version is this list version.
create table tag_status_list_counter (
  id       boolean primary key default true check (id),
  version  bigint not null
);

alter table tag_status_changes add column list_version bigint unique;
update tag_status_changes set list_version = version;
insert into tag_status_list_counter (id, version) select true, coalesce(max(version), 0) from tag_status_changes;

create function assign_tag_status_list_version() returns trigger
language plpgsql as $$
declare
  v bigint;
begin
  update tag_status_list_counter set version = version + 1 returning version into v;
  update tag_status_changes set list_version = v where version = new.version;
  update tags set status_version = v where id = new.tag_id;
  return null;
end
$$;

create constraint trigger tag_status_changes_list_version after insert on tag_status_changes
  deferrable initially deferred for each row execute function assign_tag_status_list_version();
