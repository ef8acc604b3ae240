-- Revenue reconciliation: every passage of a local day in exactly one bucket.
--   unbillable:no_zone      no charging zone at its gantry (not priced)
--   pending                 not settled yet: no settlement of its vehicle that day, or its settlement was
--                           computed before the passage arrived. (A passage whose group began before a
--                           run and committed after it read counts as settled until the scheduler's
--                           late re-run, a minute later, revises the vehicle.)
--   charged                 its vehicle's day was charged to an account
--   billed                  ... billed to a plate (a plate bill of the settlement)
--   no_charge               ... cost nothing (free km, free hours) and has no account to charge
--   unbillable:hotlist      no account, no plate: a read of a blocked, lost or stolen tag
--   unbillable:no_plate     no account, no plate: an unregistered tag read alone
-- The gateway (GET /v1/reconciliation) and the tolling dashboard both read this function.
create function passage_reconciliation(day date)
returns table (id bigint, ts timestamptz, gantry_id text, tag_id text, plate text, vehicle_key text,
               posted_price_tenths integer, settlement_id bigint, bucket text)
language sql stable as $$
  with b as (
    select (day::timestamp at time zone toll_timezone()) as lo, ((day + 1)::timestamp at time zone toll_timezone()) as hi
  ), p as (
    select p.id, p.ts, p.gantry_id, p.tag_id, p.plate, coalesce(p.vehicle_key, p.tag_id, 'plate:' || p.plate) as vkey,
           p.posted_price_tenths, p.received_at
      from passages p, b where p.ts >= b.lo and p.ts < b.hi
  )
  select p.id, p.ts, p.gantry_id, p.tag_id, p.plate, p.vkey, p.posted_price_tenths, s.id,
         case
           when p.posted_price_tenths is null then 'unbillable:no_zone'
           when s.id is null or s.computed_at < p.received_at then 'pending'
           when s.account_id is not null then 'charged'
           when exists (select 1 from plate_bills pb where pb.settlement_id = s.id) then 'billed'
           when s.payable_tenths = 0 then 'no_charge'
           when exists (select 1 from hotlist_hits h where h.tag_id = p.tag_id and h.gantry_id = p.gantry_id and h.ts = p.ts) then 'unbillable:hotlist'
           else 'unbillable:no_plate'
         end
    from p left join settlements s on s.local_day = day and s.vehicle_key = p.vkey
$$;
