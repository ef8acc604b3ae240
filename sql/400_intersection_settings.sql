-- Per-intersection green-wave settings that have no column in 007: protected left turns (fractions of
-- the cycle, lead/lag/optimize) and queue clearance times. Shape: control/signals/corridor.ts.
alter table intersections add column if not exists settings jsonb not null default '{}';
