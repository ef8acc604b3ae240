-- Daily settlement, plate billing, adjustments.

create table settlement_runs (
  id            bigserial primary key,
  local_day     date not null,
  status        text not null default 'running' check (status in ('running', 'done', 'failed')),
  vehicles      integer not null default 0,
  payable_tenths bigint not null default 0,
  adjustments   integer not null default 0,
  triggered_by  text not null default 'schedule',   -- 'schedule' or api key name
  started_at    timestamptz not null default now(),
  finished_at   timestamptz,
  error         text
);
create index settlement_runs_day_idx on settlement_runs (local_day, id desc);

-- One row per vehicle per local day: the amount charged. Re-rating updates the row and posts the
-- difference as an adjustment, never a second charge.
create table settlements (
  id                     bigserial primary key,
  local_day              date not null,
  vehicle_key            text not null,         -- tag id, or 'plate:' || plate
  tag_id                 text,
  plate                  text,
  account_id             bigint references accounts (id),
  vehicle_class          smallint not null,
  tariff_id              bigint references tariffs (id),
  passages               integer not null,
  posted_total_tenths    bigint not null,
  free_tenths            bigint not null default 0,
  long_discount_tenths   bigint not null default 0,
  payable_tenths         bigint not null check (payable_tenths >= 0),  -- whole NT$, rounded half up
  revision               integer not null default 1,
  run_id                 bigint references settlement_runs (id),
  computed_at            timestamptz not null default now(),
  unique (local_day, vehicle_key)
);
create index settlements_account_idx on settlements (account_id, local_day desc);

-- Escalation amounts and delays for plate bills, as the operator configures them (one row).
create table plate_billing_policy (
  id                 boolean primary key default true check (id),
  due_days           integer not null default 15,
  notice_after_days  integer not null default 0,     -- after due date
  fee_after_days     integer not null default 15,
  fee_tenths         bigint not null default 500,    -- NT$50 handling fee
  fine_after_days    integer not null default 30,
  fine_tenths        bigint not null default 3000,   -- NT$300 per unpaid day
  updated_at         timestamptz not null default now()
);

create table plate_bills (
  id              bigserial primary key,
  plate           text not null,
  local_day       date not null,
  settlement_id   bigint references settlements (id),
  vehicle_class   smallint not null,
  toll_tenths     bigint not null,
  fee_tenths      bigint not null default 0,
  fine_tenths     bigint not null default 0,
  due_date        date not null,
  status          text not null default 'open' check (status in ('open', 'notice', 'fee', 'fine', 'paid', 'cancelled')),
  paid_at         timestamptz,
  paid_tenths     bigint,
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  unique (plate, local_day)
);
create index plate_bills_status_idx on plate_bills (status, due_date);

create table plate_bill_events (
  id          bigserial primary key,
  bill_id     bigint not null references plate_bills (id),
  kind        text not null check (kind in ('created', 'notice', 'fee', 'fine', 'paid', 'cancelled', 'rerated')),
  amount_tenths bigint not null default 0,
  at          timestamptz not null default now()
);
create index plate_bill_events_bill_idx on plate_bill_events (bill_id);

create table adjustment_reasons (
  code         text primary key,
  description  text not null
);

create table adjustments (
  id              bigserial primary key,
  account_id      bigint references accounts (id),
  plate_bill_id   bigint references plate_bills (id),
  settlement_id   bigint references settlements (id),
  reason_code     text not null references adjustment_reasons (code),
  kind            text not null default 'dispute' check (kind in ('dispute', 'rerate', 'goodwill', 'correction')),
  amount_tenths   bigint not null,                  -- credit to the customer positive
  status          text not null default 'open' check (status in ('open', 'approved', 'rejected', 'applied')),
  note            text,
  created_by      bigint,
  created_at      timestamptz not null default now(),
  resolved_by     bigint,
  resolved_at     timestamptz
);
create index adjustments_account_idx on adjustments (account_id, created_at desc);
