-- Congestion-responsive tolling in settlement (core/tariff/congestion-prices.ts): of a settlement's
-- posted total, what the price log's multipliers added to the fixed-rate posted prices.
alter table settlements add column congestion_tenths bigint not null default 0 check (congestion_tenths >= 0);
create index price_log_effective_idx on price_log (effective_from);
