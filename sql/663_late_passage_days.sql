-- Late passages: a day settled before all its passages arrived (a gantry offline past midnight
-- flushing its outbox later) is settled again automatically.
--
-- passage_days: per local day and gantry, the last transaction that stored passages of it (the
-- ingest upserts them in each group's transaction; per gantry, so ingest instances, which write
-- disjoint gantries at any moment (sql/610), never wait on each other here; the row lock orders
-- the writers of one row, so its last xid is the last to commit). settlement_day_marks: per day, a snapshot taken just before the
-- scheduler's last run of that day began: a transaction visible in it had committed before the
-- run, so the run saw its passages. A day whose changed_xid is not visible in its mark may hold
-- passages the run did not see, and is run again (a run with nothing new changes nothing).
-- (A snapshot, not its xmin: the oldest running transaction is cluster-wide, and any long
-- transaction elsewhere would make every day look late.)
create table passage_days (
  local_day    date not null,
  gantry_id    text not null,
  changed_xid  xid8 not null,
  primary key (local_day, gantry_id)
);

create table settlement_day_marks (
  local_day   date primary key,
  seen        pg_snapshot not null
);
