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

-- A new range needs a summary before time-range queries can skip it. The ingest asks for them every
-- second, for full ranges only (summarize_full_passage_ranges): summarising the range still
-- filling (brin_summarize_new_values does) makes every later insert into it update the summary;
-- called every 10 s during bench:ingest it raised the ack p99 at half rate from ~105 ms to
-- 185-375 ms.
--
-- Insert-driven autovacuum (PostgreSQL 13+) is off for passages: on this append-only table it
-- would only set visibility-map bits, which no passage query uses (hash and BRIN indexes have no
-- index-only scans), and its young tuples are not frozen yet, so pages are visited again for
-- freezing later anyway. It cost ~5 % of bench:ingest throughput (314-324 k reads/s without it vs
-- 294-311 k) and raised the ack p99. Vacuum for dead rows (merged antenna reads update raw_reads)
-- and anti-wraparound freezing run as usual; on TimescaleDB, chunks are rewritten when compressed.
alter table passages set (autovacuum_vacuum_insert_threshold = -1);

-- Summarises the full, unsummarised ranges at the end of passages (and of its TimescaleDB chunks
-- with inserts since their last vacuum), newest first until it meets one already summarised.
-- Returns the number of ranges summarised. Also useful after a bulk load.
-- SECURITY DEFINER: summarising needs the index's owner (as VACUUM does), and the ingest may run as
-- a role that only writes rows.
create function summarize_full_passage_ranges() returns bigint
language plpgsql
security definer
set search_path = pg_catalog, public, pg_temp
set lock_timeout = '2s'
as $$
declare
  ix record;
  total bigint := 0;
  range_pages int;
  blk bigint;
  got int;
begin
  for ix in
    select i.indexrelid, i.indrelid, c.reloptions
      from pg_index i
      join pg_class c on c.oid = i.indexrelid
      join pg_am a on a.oid = c.relam and a.amname = 'brin'
      left join pg_stat_user_tables s on s.relid = i.indrelid
     where (i.indrelid = 'passages'::regclass
            or i.indrelid in (select inhrelid from pg_inherits where inhparent = 'passages'::regclass))
       and coalesce(s.n_ins_since_vacuum, 1) > 0
  loop
    range_pages := coalesce((select o.option_value::int from pg_options_to_table(ix.reloptions) o where o.option_name = 'pages_per_range'), 128);
    -- The start of the last range whose pages all exist.
    blk := (pg_relation_size(ix.indrelid) / current_setting('block_size')::int / range_pages - 1) * range_pages;
    while blk >= 0 loop
      got := brin_summarize_range(ix.indexrelid, blk);
      exit when got = 0;
      total := total + got;
      blk := blk - range_pages;
    end loop;
  end loop;
  return total;
end
$$;
