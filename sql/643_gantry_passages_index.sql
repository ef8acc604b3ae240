-- GET /v1/passages?gantryId= newest first. Time windows over the BRIN ts index (120) read every
-- gantry's passages of the window: ~540 000 an hour at national rate, and a quiet gantry widened its
-- window until it read whole days (bench:gateway --lists: p99 6.7 s). A b-tree on (gantry_id, ts)
-- serves the route directly. Its cost on the ingest's insert path is small next to the b-trees 100
-- removed: one gantry's passages arrive in time order, so each insert lands on the rightmost leaf of
-- that gantry's range (~340 hot pages, not a random page per row).
create index passages_gantry_time_idx on passages (gantry_id, ts);

-- GET /v1/adjustments shows each adjustment's ledger entry (a subquery by adjustment_id): without an
-- index its estimated cost over ~4 M ledger entries a day made PostgreSQL JIT-compile every call
-- (~150 ms). Adjustments are few: a partial index.
create index ledger_entries_adjustment_idx on ledger_entries (adjustment_id) where adjustment_id is not null;
