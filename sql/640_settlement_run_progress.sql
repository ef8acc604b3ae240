-- Settlement runs are jobs that commit vehicle by vehicle key range (core/settlement/README.md): a
-- run's row carries its progress and totals, updated in the same transaction as each range it
-- settles, and the key up to which the day is settled, from where a killed run's successor resumes.
alter table settlement_runs
  add column passages_total    bigint,                        -- the day's passages when the run began (progress denominator)
  add column passages_done     bigint  not null default 0,
  add column created           integer not null default 0,
  add column revised           integer not null default 0,
  add column unchanged         integer not null default 0,
  add column plate_bills       integer not null default 0,
  add column adjustment_tenths bigint  not null default 0,
  add column resume_key        text,                          -- every vehicle key <= this (collate "C") is settled by this run's chain
  add column resumed_from      bigint references settlement_runs (id);
