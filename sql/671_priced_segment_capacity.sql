-- The capacity of a priced segment in vehicles per hour (all lanes), as the operator configures it:
-- with it, the price controller raises the price as the flow nears capacity, before a queue forms,
-- and lets it down when the flow is light (control/pricing/price-controller.ts). Null: speed only.
alter table priced_segments add column capacity_vph integer check (capacity_vph > 0);
alter table priced_segments add column updated_at timestamptz not null default now();
