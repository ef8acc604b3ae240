-- Why a passage has no posted price, stated by the ingest instead of a bare null (sql/650: a tariff
-- prices the gantries of its network version): 'no_tariff' (none in force), 'no_rate' (the class
-- has no rate), 'not_charging' (a gantry of the tariff's network without a zone), 'not_in_tariff'
-- (a gantry the tariff's network does not know, e.g. one opened after its toll-zone table). Null when
-- priced. No check constraint: a compressed hypertable takes a plain nullable column only.
alter table passages add column unpriced_reason text;
