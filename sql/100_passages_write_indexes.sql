-- Passages are written at up to hundreds of thousands of rows a second, so every index on them is
-- paid for on the hot path. B-trees on (tag_id, ts), (plate, ts) and (gantry_id, ts) put each new
-- row on a random leaf page: measured with COPY of 1 M time-ordered rows on the 2-core machine,
-- no index ~820 k rows/s, those three plus (ts) ~140 k rows/s; hash indexes on tag and plate
-- plus the (ts) b-tree ~450 k rows/s (ingest/README.md).
-- What the queries need: a vehicle's passages (tag or plate equality, a few thousand rows over
-- years, sorted after the lookup), and time ranges or the newest rows (the ts b-tree, scanned
-- backwards for the newest). The ts b-tree is ascending: rows arriving in time order go to its rightmost leaf,
-- which PostgreSQL inserts into without a descent from the root (~680 k vs ~600 k rows/s for
-- (ts desc)). Per-gantry queries read a time range and filter by gantry.
drop index if exists passages_tag_idx;
drop index if exists passages_plate_idx;
drop index if exists passages_gantry_idx;
drop index if exists passages_ts_idx;
create index passages_tag_hash_idx on passages using hash (tag_id);
create index passages_plate_hash_idx on passages using hash (plate);
create index passages_ts_idx on passages (ts);
