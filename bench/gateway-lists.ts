import { Database } from "../core/db/database.ts";
import type { DatabaseServer } from "../core/db/database-server.ts";
import { Migrator, defaultSqlDir } from "../core/migrate/migrator.ts";
import { Seeder } from "../core/seed/seeder.ts";
import { PlateBillService } from "../core/settlement/plate-bills.ts";
import { generateNationalDay } from "./settlement-national.ts";

/**
 * `bun run bench:gateway --lists`: the list routes over a national day and a year of settlement
 * history. The database (tollway_bench_lists, kept and reused like the passage lookup's) holds:
 * - a national day of passages (bench/settlement-national.ts: --vehicles, default 3.6 M -> ~14.4 M passages);
 * - that day's settlements, one per vehicle (written in SQL, not by a run: the run is bench:settlement's);
 * - --history-days (365) earlier days of settlements at --history-per-day (30 000) each, with a toll
 *   ledger entry per tagged settlement and a plate bill (mixed statuses) per unregistered plate;
 * Bulk-loaded with the tables' triggers off and indexes rebuilt after (a benchmark's load, not the product's path).
 * Each route is then asked --per-route times (random filters, concurrency 4) and its p50/p99
 * reported, with the EXPLAIN of its query on stderr.
 */
export interface ListsOptions {
  vehicles: number;
  historyDays: number;
  historyPerDay: number;
  perRoute: number;
  fresh: boolean;
}

export const LISTS_DB = "tollway_bench_lists";
export const NATIONAL_DAY = "2024-03-25";

const BULK_TABLES = ["settlements", "ledger_entries", "plate_bills"];
/** History plates (1234-ABH): apart from the national day's (ABC-1234), in the API's plate format. */
const HISTORY_PLATE = "lpad((i % 10000)::text, 4, '0') || '-' || chr(65 + (i / 10000) % 26) || chr(65 + (i / 260000) % 26) || 'H'";

export async function prepareLists(server: DatabaseServer, o: ListsOptions, log: (m: string) => void): Promise<string> {
  const url = server.urlOf(LISTS_DB);
  const signature = `${o.vehicles}/${o.historyDays}/${o.historyPerDay}`;
  if (!o.fresh && (await server.exists(LISTS_DB))) {
    const db = new Database({ url, max: 2 });
    try {
      const ok = await db.maybeOne<{ sig: string }>("select sig from bench_lists_meta").catch(() => undefined);
      if (ok?.sig === signature) {
        log(`reusing ${LISTS_DB} (${signature})`);
        return url;
      }
    } finally {
      await db.close();
    }
  }
  await server.drop(LISTS_DB);
  await server.create(LISTS_DB);
  const db = new Database({ url, max: 2 });
  try {
    log("migrating and seeding the network");
    await new Migrator({ db, sqlDir: defaultSqlDir, timescaledb: "off", tollTimezone: "Asia/Taipei" }).run();
    await new Seeder(db).run();
    const t0 = performance.now();
    const day = await generateNationalDay(db, NATIONAL_DAY, o.vehicles, log);
    log(`national day: ${day.passages} passages in ${Math.round((performance.now() - t0) / 1000)} s`);
    const indexes = await db.query<{ name: string; def: string }>(
      `select indexname as name, indexdef as def from pg_indexes i
        where schemaname = 'public' and tablename = any($1::text[])
          and not exists (select 1 from pg_constraint c where c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)`,
      [BULK_TABLES],
    );
    for (const i of indexes) await db.query(`drop index ${i.name}`);
    for (const t of BULK_TABLES) await db.query(`alter table ${t} disable trigger all`);
    await db.query("insert into settlement_runs (local_day, status, finished_at) values ($1::date, 'done', now())", [NATIONAL_DAY]);
    // The national day: one settlement per vehicle of the passages, the price left at a plausible figure.
    log("settlements of the national day");
    await db.query(
      `insert into settlements (local_day, vehicle_key, tag_id, plate, account_id, vehicle_class, tariff_id, passages, posted_total_tenths, payable_tenths, run_id)
       select $1::date, k.key, k.tag_id, k.plate, k.account_id, k.cls, 1, k.n, k.n * 300, greatest(0, k.n * 300 - 240) / 10 * 10, 1
         from (select coalesce(p.tag_id, 'plate:' || p.plate) as key, min(p.tag_id) as tag_id, min(p.plate) as plate,
                      coalesce(min(p.account_id), min(v.account_id)) as account_id, min(p.vehicle_class) as cls, count(*)::int as n
                 from passages p left join vehicles v on p.tag_id is null and v.plate = p.plate group by 1) k`,
      [NATIONAL_DAY],
    );
    const accounts = (await db.one<{ n: number }>("select count(*)::int as n from accounts")).n;
    for (let d = o.historyDays; d >= 1; d -= 30) {
      const from = Math.max(1, d - 29);
      await db.query(
        `insert into settlements (local_day, vehicle_key, tag_id, plate, account_id, vehicle_class, tariff_id, passages, posted_total_tenths, payable_tenths)
         select $1::date - d, case when i % 20 < 19 then 'E280' || lpad(upper(to_hex(i * 3 + 1)), 20, '0') else 'plate:' || ${HISTORY_PLATE} end,
                case when i % 20 < 19 then 'E280' || lpad(upper(to_hex(i * 3 + 1)), 20, '0') end,
                case when i % 20 = 19 then ${HISTORY_PLATE} end,
                case when i % 20 < 19 then 1 + (i::bigint * 7919 + d) % $4::int end, 31, 1, 4, 1200, 960
           from generate_series($2::int, $3::int) d, generate_series(0, $5::int - 1) i`,
        [NATIONAL_DAY, from, d, accounts, o.historyPerDay],
      );
      log(`history: days ${from}-${d} before the national day`);
    }
    log("ledger entries and plate bills");
    await db.query(
      `insert into ledger_entries (account_id, kind, amount_tenths, balance_after_tenths, settlement_id, description, created_at)
       select account_id, 'toll', -payable_tenths, 0, id, 'toll ' || local_day, local_day + time '12:00' from settlements where account_id is not null`,
    );
    await db.query(
      `insert into plate_bills (plate, local_day, settlement_id, vehicle_class, toll_tenths, due_date, status)
       select plate, local_day, id, vehicle_class, payable_tenths, local_day + 15,
              (array['open','notice','fee','fine','paid','paid','paid','cancelled'])[1 + id % 8]
         from settlements where tag_id is null and account_id is null and payable_tenths > 0`,
    );
    for (const t of BULK_TABLES) await db.query(`alter table ${t} enable trigger all`);
    // What the gateway's scheduler does at start (past-due bills escalate), done before the statistics are taken.
    await db.tx((tx) => new PlateBillService(tx).escalate(tx, new Date().toISOString().slice(0, 10)));
    for (const i of indexes) {
      log(`building ${i.name}`);
      await db.query(i.def);
    }
    for (const t of [...BULK_TABLES, "passages"]) await db.query(`vacuum analyze ${t}`);
    await db.query("create table bench_lists_meta (sig text not null)");
    await db.query("insert into bench_lists_meta values ($1)", [signature]);
    const n = await db.one<{ s: number; l: number; b: number }>(
      "select (select count(*) from settlements)::bigint as s, (select count(*) from ledger_entries)::bigint as l, (select count(*) from plate_bills)::bigint as b",
    );
    log(`loaded: ${n.s} settlements, ${n.l} ledger entries, ${n.b} plate bills in ${Math.round((performance.now() - t0) / 1000)} s`);
  } finally {
    await db.close();
  }
  return url;
}

interface RouteCase {
  name: string;
  /** A request path with random filters. */
  path: () => string;
  /** The route's query with the same kind of filters, for EXPLAIN. */
  explain: string;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : Number.NaN;
}

export async function measureLists(
  url: string,
  baseUrl: string,
  key: string,
  o: ListsOptions,
  log: (m: string) => void,
): Promise<Record<string, { p50Ms: number; p99Ms: number; errors: number }>> {
  const db = new Database({ url, max: 2 });
  const rnd = (n: number) => Math.floor(Math.random() * n);
  let samples: { accounts: number[]; keys: string[]; plates: string[]; gantries: string[]; tags: string[] };
  try {
    // A sample of a big table; a small one (a trial run) is read whole.
    const pick = async (sql: string) => {
      let rows = await db.query<{ v: string }>(sql);
      if (rows.length < 10) rows = await db.query<{ v: string }>(sql.replace(/tablesample system \([0-9.]+\)/, ""));
      return rows.map((r) => String(r.v));
    };
    samples = {
      accounts: (await pick("select account_id as v from settlements tablesample system (0.1) where account_id is not null limit 500")).map(Number),
      keys: await pick("select vehicle_key as v from settlements tablesample system (0.1) limit 500"),
      plates: await pick("select plate as v from plate_bills tablesample system (1) limit 500"),
      gantries: await pick("select gantry_id as v from tariff_zones"),
      tags: await pick("select tag_id as v from passages tablesample system (0.1) where tag_id is not null limit 500"),
    };
  } catch (e) {
    await db.close();
    throw e;
  }
  const days = Array.from({ length: o.historyDays + 1 }, (_, i) =>
    new Date(Date.parse(`${NATIONAL_DAY}T00:00:00Z`) - i * 86_400_000).toISOString().slice(0, 10),
  );
  const dayEnd = "2024-03-25T16:00:00Z";
  const any = <T>(xs: T[]) => xs[rnd(xs.length)]!;
  const cases: RouteCase[] = [
    {
      name: "settlements?accountId",
      path: () => `/v1/settlements?accountId=${any(samples.accounts)}&limit=50`,
      explain: `select * from settlements where account_id = ${samples.accounts[0]} order by id desc limit 51`,
    },
    {
      name: "settlements?day",
      path: () => `/v1/settlements?day=${any(days)}&limit=50`,
      explain: `select * from settlements where local_day = '${days[100] ?? NATIONAL_DAY}' order by id desc limit 51`,
    },
    {
      name: "settlements?vehicleKey",
      path: () => `/v1/settlements?vehicleKey=${encodeURIComponent(any(samples.keys))}&limit=50`,
      explain: `select * from settlements where vehicle_key = '${samples.keys[0]}' order by id desc limit 51`,
    },
    { name: "settlements", path: () => "/v1/settlements?limit=50", explain: "select * from settlements order by id desc limit 51" },
    {
      name: "plate-bills?status",
      path: () => `/v1/plate-bills?status=${any(["open", "notice", "fee", "fine", "paid", "cancelled"])}&limit=50`,
      explain: "select * from plate_bills where status = 'fine' order by id desc limit 51",
    },
    {
      name: "plate-bills?plate",
      path: () => `/v1/plate-bills?plate=${encodeURIComponent(any(samples.plates))}&limit=50`,
      explain: `select * from plate_bills where plate = '${samples.plates[0]}' order by id desc limit 51`,
    },
    {
      name: "accounts/{id}/ledger",
      path: () => `/v1/accounts/${any(samples.accounts)}/ledger?limit=50`,
      explain: `select * from ledger_entries where account_id = ${samples.accounts[0]} order by id desc limit 51`,
    },
    {
      name: "passages?gantryId",
      path: () => `/v1/passages?gantryId=${any(samples.gantries)}&to=${dayEnd}&limit=50`,
      explain: `select * from passages where gantry_id = '${samples.gantries[0]}' and ts >= timestamptz '${dayEnd}' - interval '5 minutes' and ts < '${dayEnd}' order by ts desc, id desc limit 51`,
    },
    {
      name: "passages?tagId",
      path: () => `/v1/passages?tagId=${any(samples.tags)}&limit=50`,
      explain: `select * from passages where tag_id = '${samples.tags[0]}' order by ts desc, id desc limit 51`,
    },
    {
      name: "adjustments?accountId",
      path: () => `/v1/adjustments?accountId=${any(samples.accounts)}&limit=50`,
      explain: `select * from adjustments where account_id = ${samples.accounts[0]} order by id desc limit 51`,
    },
    { name: "settlement-runs", path: () => "/v1/settlement-runs?limit=50", explain: "select * from settlement_runs order by id desc limit 50" },
  ];
  const out: Record<string, { p50Ms: number; p99Ms: number; errors: number }> = {};
  try {
    for (const c of cases) {
      const plan = await db.query<{ "QUERY PLAN": string }>(`explain ${c.explain}`);
      log(`EXPLAIN ${c.name}: ${plan.map((r) => r["QUERY PLAN"].trim()).join(" | ")}`);
      // Warm the route (and its pages) a little, then measure.
      const lat: number[] = [];
      let errors = 0;
      let sent = 0;
      const total = o.perRoute + 20;
      const worker = async () => {
        while (sent < total) {
          const i = sent++;
          const t = performance.now();
          const res = await fetch(`${baseUrl}${c.path()}`, { headers: { authorization: `Bearer ${key}` } });
          await res.arrayBuffer();
          if (res.status !== 200) errors++;
          else if (i >= 20) lat.push(performance.now() - t);
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      lat.sort((a, b) => a - b);
      const r2 = (n: number) => Math.round(n * 100) / 100;
      out[c.name] = { p50Ms: r2(percentile(lat, 50)), p99Ms: r2(percentile(lat, 99)), errors };
      log(`${c.name}: p50 ${out[c.name]!.p50Ms} ms, p99 ${out[c.name]!.p99Ms} ms, ${errors} errors`);
    }
  } finally {
    await db.close();
  }
  return out;
}
