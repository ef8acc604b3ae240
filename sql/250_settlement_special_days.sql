-- Daily settlement (core/settlement): reads one local day of passages by time. On TimescaleDB the
-- hypertable already has this index (create_hypertable's default, same name), so this is a no-op there.
create index if not exists passages_ts_idx on passages (ts desc);

-- What special days took off the posted total (free hours, section discounts, single-rate
-- reduction), and whether the day was single-rate (no free km, no long-distance discount).
alter table settlements add column special_discount_tenths bigint not null default 0;
alter table settlements add column single_rate_day boolean not null default false;

-- Toll adjustments of one settlement are looked up when it is re-rated or shown.
create index if not exists ledger_entries_settlement_idx on ledger_entries (settlement_id) where settlement_id is not null;
