import type { Database } from "../core/db/database.ts";

/**
 * The national day of `bench:settlement --national`: vehicles on the real network (every freeway and
 * direction with at least 8 charging gantries, consecutive gantries in km order, one passage every
 * 5 min from a start spread over the local day), 2 to 6 passages each (mean 4). By `v mod 20`:
 * 0-14 tag only, 15-17 tag and plate on every passage, 18 plate only of a registered vehicle
 * (charged to its account), 19 plate only, unregistered (billed). Accounts: one per 4 tagged
 * vehicles, balances high enough that no account turns low_balance.
 */
export interface NationalDay {
  vehicles: number;
  passages: number;
}

export async function generateNationalDay(db: Database, day: string, vehicles: number, log: (msg: string) => void): Promise<NationalDay> {
  const accounts = Math.max(1, Math.round(vehicles / 4));
  log(`accounts: ${accounts}`);
  await db.query(
    "insert into accounts (name, kind, balance_tenths, low_balance_threshold_tenths) select 'acct ' || g, 'personal', 1000000000, 0 from generate_series(1, $1::int) g",
    [accounts],
  );
  await db.query(`create table bench_routes as
    select (row_number() over (order by freeway, direction) - 1)::int as route, zones, cardinality(zones) as n
      from (select g.freeway, g.direction, array_agg(g.id order by g.km) as zones
              from gantries g join tariff_zones tz on tz.gantry_id = g.id
              join tariffs t on t.id = tz.tariff_id and t.status = 'active'
             group by 1, 2 having count(*) >= 8) r`);
  const routes = await db.one<{ n: number; zones: number }>("select count(*)::int as n, sum(n)::int as zones from bench_routes");
  log(`routes: ${routes.n} freeway directions, ${routes.zones} charging gantries`);
  const cls = "(array[31,31,31,31,32,41,42,5])[1 + (v % 8)]::smallint";
  const tag = "'E280' || lpad(upper(to_hex(v)), 20, '0')";
  // Plates as the API takes them (ABC-1234): three letters and four digits, unique below 175 M vehicles.
  const plate = "chr(65 + v % 26) || chr(65 + (v / 26) % 26) || chr(65 + (v / 676) % 26) || '-' || lpad(((v / 17576) % 10000)::text, 4, '0')";
  log("tags and registered plates");
  await db.query(
    `insert into tags (id, account_id, vehicle_class) select ${tag}, 1 + v % $2::int, ${cls} from generate_series(0, $1::int - 1) v where v % 20 < 18`,
    [vehicles, accounts],
  );
  await db.query(
    `insert into vehicles (account_id, plate, vehicle_class) select 1 + v % $2::int, ${plate}, ${cls} from generate_series(0, $1::int - 1) v where v % 20 = 18`,
    [vehicles, accounts],
  );
  // Index builds after the bulk load are much cheaper than maintaining them row by row.
  const indexes = await db.query<{ def: string; name: string }>(
    `select indexdef as def, indexname as name from pg_indexes i
      where schemaname = 'public' and tablename = 'passages'
        and not exists (select 1 from pg_constraint c where c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)`,
  );
  for (const i of indexes) await db.query(`drop index ${i.name}`);
  // Generated vehicle by vehicle into a staging table, then stored in time order as the ingest writes
  // them (the BRIN ts index, and the per-gantry time windows of the passages route, depend on it).
  await db.query("create unlogged table bench_passages as select * from passages limit 0");
  const parts = 8;
  const per = Math.ceil(vehicles / parts);
  for (let p = 0; p < parts; p++) {
    const t0 = performance.now();
    await db.query(
      `insert into bench_passages (ts, gantry_id, tag_id, plate, read_class, vehicle_class, account_id, batch_no, raw_reads)
       select ($1::date::timestamp at time zone 'Asia/Taipei') + make_interval(secs => (v::bigint * 7919 % 84000) + k * 300),
              r.zones[1 + (v::bigint * 17 % (r.n - n_v + 1))::int + k],
              case when v % 20 < 18 then ${tag} end,
              case when v % 20 >= 15 then ${plate} end,
              ${cls}, ${cls}, case when v % 20 < 18 then 1 + v % $4::int end, v / 500, 1
         from generate_series($2::int, least($3::int, $5::int) - 1) v
         cross join lateral (select 2 + (v::bigint * 13 % 5)::int as n_v) nv
         join bench_routes r on r.route = (v::bigint * 31 + 7) % $6::int
         cross join lateral generate_series(0, n_v - 1) k`,
      [day, p * per, (p + 1) * per, accounts, vehicles, routes.n],
    );
    log(`passages: part ${p + 1}/${parts} in ${Math.round(performance.now() - t0)} ms`);
  }
  log("passages in time order");
  await db.query(`insert into passages (ts, gantry_id, tag_id, plate, read_class, vehicle_class, account_id, batch_no)
    select ts, gantry_id, tag_id, plate, read_class, vehicle_class, account_id, batch_no from bench_passages order by ts`);
  await db.query("drop table bench_passages");
  log("rebuilding the passages indexes");
  for (const i of indexes) await db.query(i.def);
  await db.query("analyze passages");
  await db.query("analyze tags");
  await db.query("analyze vehicles");
  await db.query("analyze accounts");
  const n = await db.one<{ n: number }>("select count(*)::bigint as n from passages");
  return { vehicles, passages: n.n };
}

/**
 * The day's prices computed independently in SQL (single tariff, no special day, one class per
 * vehicle): posted per passage floor(zone_km_tenths x rate / 10); the day's charged total minus the
 * long-distance discount (pct of the part above the threshold) and the free km worth, in units of
 * NT$0.1/10^4, clamped at 0, half-up to NT$1. Returns the sum over vehicles, and what the
 * settlement booked: toll ledger entries (negated) plus plate bills.
 */
export async function crossCheck(db: Database, day: string): Promise<{ sqlTenths: number; bookedTenths: number }> {
  const sql = await db.one<{ total: number }>(
    `with t as (select * from tariffs where status = 'active' order by effective_from desc limit 1),
     v as (
       select coalesce(p.tag_id, 'plate:' || p.plate) as key, min(p.vehicle_class) as cls,
              sum(floor(z.zone_km_tenths::bigint * r.rate_tenths_per_km / 10))::bigint as charged
         from passages p cross join t
         join tariff_zones z on z.tariff_id = t.id and z.gantry_id = p.gantry_id
         join tariff_class_rates r on r.tariff_id = t.id and r.vehicle_class = p.vehicle_class
        where p.ts >= ($1::date::timestamp at time zone 'Asia/Taipei') and p.ts < (($1::date + 1)::timestamp at time zone 'Asia/Taipei')
        group by 1),
     d as (
       select v.charged, floor(t.long_distance_km_tenths::bigint * r.rate_tenths_per_km / 10)::bigint as threshold,
              least(floor(t.daily_free_km_tenths::bigint * r.rate_tenths_per_km / 10)::bigint, v.charged) as free,
              (t.long_distance_discount_pct * 100)::bigint as bp
         from v cross join t join tariff_class_rates r on r.tariff_id = t.id and r.vehicle_class = v.cls)
     select coalesce(sum(floor((greatest(0, charged * 10000 - greatest(0, charged - threshold) * bp - free * 10000) + 50000) / 100000) * 10), 0)::bigint as total
       from d`,
    [day],
  );
  const booked = await db.one<{ total: number }>(
    `select ((select coalesce(-sum(amount_tenths), 0) from ledger_entries where kind in ('toll', 'toll_adjustment'))
           + (select coalesce(sum(toll_tenths), 0) from plate_bills where local_day = $1::date))::bigint as total`,
    [day],
  );
  return { sqlTenths: sql.total, bookedTenths: booked.total };
}
