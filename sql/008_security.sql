-- API keys (stored as SHA-256 hashes; the key itself is shown once) and the audit log.

create table api_keys (
  id            bigserial primary key,
  name          text not null,
  prefix        text not null unique,         -- first characters, shown in lists to identify a key
  key_hash      text not null unique,         -- hex SHA-256 of the whole key
  role          text not null check (role in ('admin', 'toll_operator', 'traffic_operator', 'auditor')),
  created_at    timestamptz not null default now(),
  created_by    bigint references api_keys (id),
  revoked_at    timestamptz,
  last_used_at  timestamptz
);

create table audit_log (
  id           bigserial primary key,
  at           timestamptz not null default now(),
  actor_key_id bigint references api_keys (id),
  actor        text not null,                  -- key name, or 'system'
  action       text not null,                  -- e.g. account.create
  entity       text not null,
  entity_id    text,
  before       jsonb,
  after        jsonb,
  request_id   text
);
create index audit_log_entity_idx on audit_log (entity, entity_id, at desc);
create index audit_log_at_idx on audit_log (at desc);

-- Idempotency-Key on POST: the first response is stored and replayed for the same key.
create table idempotency_keys (
  api_key_id     bigint not null references api_keys (id),
  key            text not null,
  method         text not null,
  path           text not null,
  request_hash   text not null,
  status         integer,
  response       jsonb,
  created_at     timestamptz not null default now(),
  primary key (api_key_id, key)
);
