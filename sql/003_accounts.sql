-- Customers: prepaid accounts (personal or fleet), vehicles with plates, tags, and the ledger.

create table accounts (
  id                            bigserial primary key,
  kind                          text not null default 'personal' check (kind in ('personal', 'fleet')),
  name                          text not null,
  email                         text,
  phone                         text,
  status                        text not null default 'active' check (status in ('active', 'low_balance', 'suspended', 'closed')),
  balance_tenths                bigint not null default 0,
  low_balance_threshold_tenths  bigint not null default 1000 check (low_balance_threshold_tenths >= 0),
  created_at                    timestamptz not null default now(),
  updated_at                    timestamptz not null default now()
);

create table vehicles (
  id             bigserial primary key,
  account_id     bigint not null references accounts (id),
  plate          text not null unique,
  vehicle_class  smallint not null check (vehicle_class in (31, 32, 41, 42, 5)),
  description    text,
  created_at     timestamptz not null default now()
);
create index vehicles_account_idx on vehicles (account_id);

-- A tag is identified by its EPC (hex). Its class is the registered class, which prices the passage.
create table tags (
  id                text primary key check (id ~ '^[0-9A-F]{8,64}$'),
  account_id        bigint not null references accounts (id),
  vehicle_id        bigint references vehicles (id),
  vehicle_class     smallint not null check (vehicle_class in (31, 32, 41, 42, 5)),
  status            text not null default 'active' check (status in ('active', 'low_balance', 'blocked', 'lost', 'stolen')),
  status_changed_at timestamptz not null default now(),
  status_version    bigint not null default 0,        -- tag_status_changes.version of the last change
  created_at        timestamptz not null default now()
);
create index tags_account_idx on tags (account_id);
create index tags_status_version_idx on tags (status_version);

-- Every status change gets a version number: partners fetch the list "changed since version N".
create table tag_status_changes (
  version     bigserial primary key,
  tag_id      text not null references tags (id),
  status      text not null,
  changed_at  timestamptz not null default now()
);

-- Money movements of an account. Credits positive, debits negative; balance_after makes it auditable.
create table ledger_entries (
  id                    bigserial primary key,
  account_id            bigint not null references accounts (id),
  kind                  text not null check (kind in ('topup', 'toll', 'toll_adjustment', 'refund', 'fee', 'correction')),
  amount_tenths         bigint not null,
  balance_after_tenths  bigint not null,
  settlement_id         bigint,
  adjustment_id         bigint,
  description           text,
  created_by            bigint,                       -- api_keys.id, null for system jobs
  created_at            timestamptz not null default now()
);
create index ledger_entries_account_idx on ledger_entries (account_id, id desc);
create unique index ledger_entries_settlement_uq on ledger_entries (settlement_id, kind) where settlement_id is not null and kind = 'toll';
