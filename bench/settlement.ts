import { loadavg } from "node:os";
import { runMain } from "../core/cli/main.ts";
import { Database } from "../core/db/database.ts";
import { DatabaseServer } from "../core/db/database-server.ts";
import { Migrator, defaultSqlDir } from "../core/migrate/migrator.ts";
import { Seeder } from "../core/seed/seeder.ts";
import { SettlementService } from "../core/settlement/settlement-service.ts";
import { crossCheck, generateNationalDay } from "./settlement-national.ts";

/**
 * `bun run bench:settlement [--vehicles=20000] [--passages=12] [--plates-pct=6]`
 *
 * Daily settlement of one local day on PostgreSQL: a scratch database (created on the server of
 * DATABASE_URL, default the local one, dropped at the end), the real network and tariff, 1000
 * accounts, one tag per tagged vehicle and `passages` consecutive southbound passages per vehicle on
 * freeway 1. Times: the first run (settle + one ledger entry or plate bill per vehicle), a re-run
 * (nothing changes) and a re-rate after one zone is corrected (every vehicle through that zone gets
 * an adjustment). Progress on stderr, one JSON line on stdout.
 *
 * `--national [--vehicles=3600000]`: a national day instead (bench/settlement-national.ts: ~14.4 M
 * passages of 3.6 M vehicles on the real network, tag only, plate only, both), settled twice (first
 * run, re-run with no change), with the run's progress every 10 s, the process's peak RSS, and the
 * check that charges plus plate bills equal the day's prices computed independently in SQL.
 */
const arg = (args: string[], name: string, fallback: number): number => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split("=")[1]) : fallback;
};
const log = (msg: string) => process.stderr.write(`bench:settlement ${msg}\n`);
const DAY = "2024-03-25";

await runMain("bench-settlement", async ({ config, args }) => {
  if (args.includes("--national")) return national(config.databaseUrl, arg(args, "vehicles", 3_600_000));
  const vehicles = arg(args, "vehicles", 20_000);
  const perVehicle = arg(args, "passages", 12);
  const platesPct = arg(args, "plates-pct", 6);
  const serverUrl = config.databaseUrl ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const name = `tollway_bench_settlement_${process.pid}`;
  const server = new DatabaseServer(serverUrl);
  const db = new Database({ url: await server.create(name), max: 4 });
  try {
    log(`setting up ${name}`);
    await new Migrator({ db, sqlDir: defaultSqlDir, timescaledb: "off", tollTimezone: "Asia/Taipei" }).run();
    await new Seeder(db).run();
    const zones = (await db.query<{ gantry_id: string }>("select gantry_id from toll_zones where gantry_id like '01F%S' order by gantry_id")).map(
      (r) => r.gantry_id,
    );
    await db.query("insert into accounts (name, kind, balance_tenths) select 'fleet ' || g, 'fleet', 10000000 from generate_series(1, 1000) g");
    const tagged = Math.round((vehicles * (100 - platesPct)) / 100);
    await db.query(
      `insert into tags (id, account_id, vehicle_class)
       select 'E280' || lpad(upper(to_hex(g)), 20, '0'), 1 + g % 1000, (array[31,31,31,32,41,42,5])[1 + g % 7] from generate_series(0, $1::int - 1) g`,
      [tagged],
    );
    // Vehicle v enters at zone (v mod (zones - perVehicle)) at a time spread over the local day.
    log(`inserting ${vehicles * perVehicle} passages for ${vehicles} vehicles`);
    await db.query(
      `insert into passages (ts, gantry_id, tag_id, plate, read_class, vehicle_class, account_id, batch_no)
       select ($1::date::timestamp at time zone 'Asia/Taipei') + make_interval(secs => (v * 4.3)::int % 80000 + k * 240),
              ($2::text[])[1 + v % (array_length($2::text[], 1) - $3::int) + k],
              case when v < $4 then 'E280' || lpad(upper(to_hex(v)), 20, '0') end,
              case when v >= $4 then 'BEN-' || lpad(v::text, 6, '0') end,
              c, c, case when v < $4 then 1 + v % 1000 end, 1
         from generate_series(0, $5::int - 1) v, generate_series(0, $3::int - 1) k,
              lateral (select (array[31,31,31,32,41,42,5])[1 + v % 7]::smallint as c) cls`,
      [DAY, zones, perVehicle, tagged, vehicles],
    );
    await db.query("analyze passages");
    const svc = new SettlementService(db, { timeZone: "Asia/Taipei" });
    const time = async (label: string, fn: () => Promise<unknown>) => {
      const t0 = performance.now();
      const r = await fn();
      const ms = Math.round(performance.now() - t0);
      log(`${label}: ${ms} ms ${JSON.stringify(r)}`);
      return ms;
    };
    const firstRunMs = await time("first run", () => svc.runDay(DAY, { triggeredBy: "bench" }));
    const rerunMs = await time("re-run", () => svc.runDay(DAY, { triggeredBy: "bench" }));
    await db.query("update tariff_zones set zone_km_tenths = zone_km_tenths + 10 where gantry_id = $1", [zones[Math.floor(zones.length / 2)]]);
    const rerateMs = await time("re-rate", () => svc.runDay(DAY, { triggeredBy: "bench" }));
    const entries = await db.one<{ n: number }>("select count(*)::int as n from ledger_entries");
    process.stdout.write(
      JSON.stringify({
        vehicles,
        passages: vehicles * perVehicle,
        ledgerEntries: entries.n,
        firstRunMs,
        vehiclesPerSecond: Math.round((vehicles / firstRunMs) * 1000),
        rerunMs,
        rerateMs,
      }) + "\n",
    );
  } finally {
    await db.close();
    await server.drop(name);
  }
});

/** Polls the run's row (another connection) while it runs: progress on stderr. */
function watch(db: Database, label: string): () => void {
  const t0 = performance.now();
  const timer = setInterval(() => {
    db.maybeOne<{ id: number; passages_done: number; passages_total: number | null; vehicles: number }>(
      "select id, passages_done, passages_total, vehicles from settlement_runs where status = 'running' order by id desc limit 1",
    )
      .then((r) => {
        const rss = Math.round(process.memoryUsage().rss / 2 ** 20);
        if (r)
          log(
            `${label}: ${Math.round((performance.now() - t0) / 1000)} s, run ${r.id}: ${r.passages_done} / ${r.passages_total ?? "?"} passages, ${r.vehicles} vehicles, rss ${rss} MB`,
          );
      })
      .catch(() => undefined);
  }, 10_000);
  return () => clearInterval(timer);
}

async function national(databaseUrl: string | undefined, vehicles: number): Promise<void> {
  const serverUrl = databaseUrl ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const name = `tollway_bench_national_${process.pid}`;
  const server = new DatabaseServer(serverUrl);
  const db = new Database({ url: await server.create(name), max: 4 });
  const load = () => loadavg().map((x) => Math.round(x * 100) / 100);
  try {
    log(`setting up ${name} (load ${load().join(" ")})`);
    await new Migrator({ db, sqlDir: defaultSqlDir, timescaledb: "off", tollTimezone: "Asia/Taipei" }).run();
    await new Seeder(db).run();
    const g0 = performance.now();
    const generated = await generateNationalDay(db, DAY, vehicles, log);
    const generateSeconds = Math.round((performance.now() - g0) / 100) / 10;
    log(`generated ${generated.passages} passages of ${generated.vehicles} vehicles in ${generateSeconds} s (load ${load().join(" ")})`);
    const svc = new SettlementService(db, { timeZone: "Asia/Taipei" });
    const timed = async (label: string) => {
      const stop = watch(db, label);
      const t0 = performance.now();
      try {
        const r = await svc.runDay(DAY, { triggeredBy: "bench" });
        const seconds = Math.round((performance.now() - t0) / 100) / 10;
        log(`${label}: ${seconds} s ${JSON.stringify(r)} (load ${load().join(" ")})`);
        return { seconds, r };
      } finally {
        stop();
      }
    };
    const first = await timed("first run");
    const rerun = await timed("re-run");
    const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    log("checking: charges + plate bills against the day's prices computed in SQL");
    const check = await crossCheck(db, DAY);
    const counts = await db.one<{ settlements: number; tolls: number; bills: number }>(
      "select (select count(*) from settlements)::int as settlements, (select count(*) from ledger_entries where kind = 'toll')::int as tolls, (select count(*) from plate_bills)::int as bills",
    );
    process.stdout.write(
      `${JSON.stringify({
        passages: generated.passages,
        vehicles: generated.vehicles,
        settlements: counts.settlements,
        tollEntries: counts.tolls,
        plateBills: counts.bills,
        firstRunSeconds: first.seconds,
        rerunSeconds: rerun.seconds,
        rerunUnchanged: rerun.r.unchanged,
        peakRssMb,
        passagesPerSecond: Math.round(generated.passages / first.seconds),
        payableTenths: first.r.payableTenths,
        sqlPriceTenths: check.sqlTenths,
        bookedTenths: check.bookedTenths,
        pricesMatch: check.sqlTenths === check.bookedTenths && check.sqlTenths === first.r.payableTenths,
        generateSeconds,
        loadAvg: load(),
      })}\n`,
    );
  } finally {
    await db.close();
    await server.drop(name);
  }
}
