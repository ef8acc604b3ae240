-- The ts b-tree of 100 cost the ingest ~1.5 µs of PostgreSQL CPU a passage: a group's rows come
-- from many gantries, so their times interleave and every insert descends the tree. A BRIN index
-- keeps the minimum and maximum ts of each run of 32 heap pages (~2 000 passages); passages arrive
-- roughly in time order, so a time range still reads only the pages that can hold it, and an
-- insert into a range not yet summarised costs nothing. Measured with COPY of 1 M passages on the
-- 2-core machine (hash indexes on tag and plate kept): 4.5-4.9 s with the b-tree, 2.7-3.1 s with
-- BRIN (ingest/README.md).
--
-- The name stays passages_ts_idx, so 250's `create index if not exists passages_ts_idx` remains a
-- no-op. "Newest first" without a vehicle filter is served in time windows (gateway/passages).
drop index if exists passages_ts_idx;
create index passages_ts_idx on passages using brin (ts) with (pages_per_range = 32);

-- A range is summarised by VACUUM once it is full. Autovacuum vacuums an insert-only table after
-- autovacuum_vacuum_insert_threshold new rows plus a share of its size (20 % by default: with
-- years of passages, an unsummarised tail of millions of rows that every time-range query reads).
-- Here it is every 100 000 new rows, whatever the size; a vacuum of new pages only reads them.
-- (brin_summarize_new_values also summarises the range still filling, and then every insert into
-- it updates its summary: called every 10 s during bench:ingest it raised the ack p99 at half
-- rate from ~105 ms to 185-375 ms.)
alter table passages set (autovacuum_vacuum_insert_threshold = 100000, autovacuum_vacuum_insert_scale_factor = 0);

-- Embedded PGlite has no autovacuum: there the ingest calls this function every few seconds, and
-- an operator may call it after a bulk load. It covers passages and its TimescaleDB chunks with
-- inserts since their last vacuum; returns the number of ranges summarised.
create function summarize_new_passage_ranges() returns bigint
language sql
set lock_timeout = '2s'
as $$
  select coalesce(sum(brin_summarize_new_values(i.indexrelid)), 0)::bigint
    from pg_index i
    join pg_class ic on ic.oid = i.indexrelid
    join pg_am a on a.oid = ic.relam and a.amname = 'brin'
    left join pg_stat_user_tables s on s.relid = i.indrelid
   where (i.indrelid = 'passages'::regclass
          or i.indrelid in (select inhrelid from pg_inherits where inhparent = 'passages'::regclass))
     and coalesce(s.n_ins_since_vacuum, 1) > 0
$$;
