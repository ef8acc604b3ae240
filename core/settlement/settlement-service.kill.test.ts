import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Queryable } from "../db/database.ts";
import { SettlementQueries } from "./settlement-queries.ts";
import { SettlementService } from "./settlement-service.ts";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";

/**
 * A settlement run whose process is killed (SIGKILL, mid-run, on a real day of 200 000 passages, after
 * some of its key ranges committed) does not stay 'running' for ever: as soon as its connection is gone
 * it reads as failed ("abandoned"); what it committed stays, each vehicle with its one toll; a new run
 * resumes after its checkpoint and every vehicle ends settled exactly once. Run durations are real
 * (clock_timestamp()).
 */
let t: TestDatabase;
const DAY = "2024-03-21";
const VEHICLES = 20_000;
const PER_VEHICLE = 10;

/** `vehicles` tagged vehicles with `perVehicle` southbound passages each on freeway 1, spread over the local day. */
async function generateDay(q: Queryable, day: string, vehicles: number, perVehicle: number): Promise<void> {
  const zones = (await q.query<{ gantry_id: string }>("select gantry_id from toll_zones where gantry_id like '01F%S' order by gantry_id")).map(
    (r) => r.gantry_id,
  );
  await q.query("insert into accounts (name, kind, balance_tenths) select 'fleet ' || g, 'fleet', 10000000 from generate_series(1, 100) g");
  await q.query(
    `insert into tags (id, account_id, vehicle_class)
     select 'E280' || lpad(upper(to_hex(g)), 20, '0'), 1 + g % 100, (array[31,31,31,32,41,42,5])[1 + g % 7] from generate_series(0, $1::int - 1) g`,
    [vehicles],
  );
  // Vehicle v enters at zone (v mod (zones - passages)) at a time spread over the local day; one passage every 4 min.
  await q.query(
    `insert into passages (ts, gantry_id, tag_id, read_class, vehicle_class, account_id, batch_no)
     select ($1::date::timestamp at time zone 'Asia/Taipei') + make_interval(secs => (v * 3.7)::int % 80000 + k * 240),
            ($2::text[])[1 + v % (array_length($2::text[], 1) - $3::int) + k],
            'E280' || lpad(upper(to_hex(v)), 20, '0'), c, c, 1 + v % 100, 1
       from generate_series(0, $4::int - 1) v, generate_series(0, $3::int - 1) k,
            lateral (select (array[31,31,31,32,41,42,5])[1 + v % 7]::smallint as c) cls`,
    [day, zones, perVehicle, vehicles],
  );
}

/** Small key ranges (2 000 passages a fetch: ~100 commits for the day), so the kill lands between two of them. */
const child = (url: string, day: string) =>
  Bun.spawn(["bun", join(import.meta.dir, "..", "..", "test", "support", "settlement-run-child.ts"), url, day, "2000"], {
    stdout: "pipe",
    stderr: "pipe",
  });

beforeAll(async () => {
  t = await createTestDatabase();
  await generateDay(t.db, DAY, VEHICLES, PER_VEHICLE);
  await t.db.query("analyze passages");
}, 120_000);
afterAll(async () => t?.drop());

const runsOf = (day: string) => new SettlementQueries(t.db).runs(day, 10);

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

describe("a settlement run whose process dies", () => {
  test("is shown failed (abandoned) once its process is gone; a new run resumes after its checkpoint and every vehicle is settled once", async () => {
    const proc = child(t.url, DAY);
    // Mid-run: its row is there, 'running', with progress, and it reads as running (its process holds the run's lock).
    const running = await until(
      "the child's run to commit some of the day",
      async () => (await runsOf(DAY)).find((r) => r.status === "running" && r.passagesDone > 0),
      60_000,
    );
    expect(running).toMatchObject({ localDay: DAY, triggeredBy: "child process", finishedAt: null, error: null, passagesTotal: VEHICLES * PER_VEHICLE });
    proc.kill("SIGKILL");
    expect(await proc.exited).not.toBe(0);

    // As soon as the connection is gone (PostgreSQL notices the dead socket), the run is failed, not running for ever.
    const dead = await until(
      "the killed run to read as failed",
      async () => (await runsOf(DAY)).find((r) => r.id === running.id && r.status !== "running"),
      60_000,
    );
    expect(dead).toMatchObject({ status: "failed", error: expect.stringContaining("abandoned") });
    // What it committed stays, consistent with its progress: whole vehicles, each with its one toll.
    const kept = await t.db.one<{ settlements: number; tolls: number; passages: number }>(
      `select count(*)::int as settlements, (select count(*)::int from ledger_entries where kind = 'toll') as tolls, coalesce(sum(passages), 0)::int as passages
         from settlements`,
    );
    expect(kept.settlements).toBeGreaterThan(0);
    expect(kept.settlements).toBeLessThan(VEHICLES);
    expect(kept).toEqual({ settlements: dead.vehicles, tolls: dead.vehicles, passages: dead.passagesDone });

    // Run again: it resumes after the killed run's checkpoint and completes the day.
    const svc = new SettlementService(t.db, { timeZone: "Asia/Taipei", fetchPassages: 2000 });
    const started = performance.now();
    const r = await svc.runDay(DAY, { triggeredBy: "after the kill" });
    const elapsedMs = performance.now() - started;
    expect(r).toMatchObject({ resumedFrom: running.id, vehicles: VEHICLES - kept.settlements, created: VEHICLES - kept.settlements, revised: 0 });
    // Every vehicle settled exactly once, with exactly one toll entry, and every passage counted once.
    expect(
      await t.db.one(
        `select count(*)::int as settlements, count(distinct vehicle_key)::int as vehicles, sum(passages)::int as passages,
                (select count(*)::int from ledger_entries where kind = 'toll') as tolls,
                (select count(distinct settlement_id)::int from ledger_entries where kind = 'toll') as settled
           from settlements`,
      ),
    ).toEqual({ settlements: VEHICLES, vehicles: VEHICLES, passages: VEHICLES * PER_VEHICLE, tolls: VEHICLES, settled: VEHICLES });
    const runs = await runsOf(DAY);
    expect(runs.map((x) => [x.id, x.status, x.resumedFrom])).toEqual([
      [r.runId, "done", running.id],
      [running.id, "failed", null],
    ]);
    // The new run also wrote the abandoned one down as failed (not only the read that shows it so).
    expect(await t.db.one("select status, error from settlement_runs where id = $1", [running.id])).toEqual({
      status: "failed",
      error: expect.stringContaining("abandoned"),
    });
    // A full run afterwards changes nothing: the day's money is complete.
    expect(await svc.runDay(DAY, { triggeredBy: "check" })).toMatchObject({ resumedFrom: null, vehicles: VEHICLES, unchanged: VEHICLES, created: 0 });

    // Durations are real: from the run's start to its commit, not ~0 (now() is the transaction's start).
    const done = runs[0]!; // the resumed run
    const recordedMs = Date.parse(done.finishedAt!) - Date.parse(done.startedAt);
    expect(recordedMs).toBeGreaterThan(elapsedMs * 0.5);
    expect(recordedMs).toBeLessThanOrEqual(elapsedMs + 50);
  }, 180_000);
});
