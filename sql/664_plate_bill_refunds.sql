-- A paid plate bill that is re-rated (late passages, a tariff correction, a special day) is not
-- reopened: a lower toll gives a refund due to the payer, a higher one a supplementary bill for the
-- difference (a bill of the same plate and day pointing at the paid one, due `due_days` after it is
-- made). The paid bill keeps its amount; what the day costs now is the paid toll plus its
-- supplements less its refunds.
alter table plate_bills add column supplement_of bigint references plate_bills (id);
alter table plate_bills drop constraint plate_bills_plate_local_day_key;
create unique index plate_bills_plate_day_uq on plate_bills (plate, local_day) where supplement_of is null;
create index plate_bills_supplement_idx on plate_bills (supplement_of) where supplement_of is not null;

create table plate_bill_refunds (
  id             bigserial primary key,
  bill_id        bigint not null references plate_bills (id),
  amount_tenths  bigint not null check (amount_tenths > 0),
  status         text not null default 'due' check (status in ('due', 'paid')),
  created_at     timestamptz not null default now(),
  paid_at        timestamptz
);
create index plate_bill_refunds_bill_idx on plate_bill_refunds (bill_id);

alter table plate_bill_events drop constraint plate_bill_events_kind_check;
alter table plate_bill_events add constraint plate_bill_events_kind_check
  check (kind in ('created', 'notice', 'fee', 'fine', 'paid', 'cancelled', 'rerated', 'refund_due', 'supplement'));
