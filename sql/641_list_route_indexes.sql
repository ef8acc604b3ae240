-- Every list route reads newest first (order by id desc, keyset by id) under its filter; with ~3 M
-- settlements a day an index must give that order directly, or the route sorts or scans history.
-- Checked with EXPLAIN on a national day and a year of history (docs/benchmarks.md, bench:gateway).
--   GET /v1/settlements?accountId=   -> settlements_account_id_idx (replaces (account_id, local_day desc))
--   GET /v1/settlements?day=         -> settlements_day_id_idx
--   GET /v1/settlements?vehicleKey=  -> settlements_vehicle_idx (there was none: a sequential scan)
--   GET /v1/plate-bills?status=      -> plate_bills_status_id_idx (plate=: the unique (plate, local_day), a plate's bills are few)
--   GET /v1/adjustments?accountId=   -> adjustments_account_id_idx
drop index if exists settlements_account_idx;
create index settlements_account_id_idx on settlements (account_id, id desc) where account_id is not null;
create index settlements_day_id_idx on settlements (local_day, id desc);
create index settlements_vehicle_idx on settlements (vehicle_key, id desc);
create index plate_bills_status_id_idx on plate_bills (status, id desc);
create index adjustments_account_id_idx on adjustments (account_id, id desc);
