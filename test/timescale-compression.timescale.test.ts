import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Database } from "../core/db/database.ts";
import { Migrator, defaultSqlDir } from "../core/migrate/migrator.ts";
import { Seeder } from "../core/seed/seeder.ts";
import { SettlementService } from "../core/settlement/settlement-service.ts";
import { emptyGroupPlan } from "../ingest/service/group-plan.ts";
import { writeOthers } from "../ingest/service/plan-writer.ts";
import { startTimescale, type TimescaleTestServer } from "./support/timescale.ts";
import { createAccount, createTag, insertPassages, keelungToRende, trip } from "./support/tolling.ts";

/**
 * Compression in anger (TimescaleDB 2.23 on PGlite): the passages compression policy really
 * compresses the chunks older than its 7 days, and what touches old days afterwards still works on
 * the compressed chunk: a late read inserted into it, an antenna-duplicate merge (the ingest's UPDATE),
 * and a settlement re-rating the day (reading the compressed passages, posting the difference).
 */
const TAG = "E2801160600002085BFCC001";
let server: TimescaleTestServer;
let db: Database;
let account: number;
// A local day 30 days back: far past the 7-day policy.
const DAY = new Date(Date.now() - 30 * 86_400_000).toLocaleDateString("sv-SE", { timeZone: "Asia/Taipei" });
const at = (hhmm: string) => `${DAY}T${hhmm}:00+08:00`;

beforeAll(async () => {
  server = await startTimescale();
  db = server.database();
  await new Migrator({ db, sqlDir: defaultSqlDir, timescaledb: "on", tollTimezone: "Asia/Taipei" }).run();
  await new Seeder(db).run();
  account = await createAccount(db, 1_000_000);
  await createTag(db, account, TAG);
  // The official example on the old day (NT$328), and today's traffic in a chunk the policy leaves alone.
  await insertPassages(db, trip(at("08:00"), keelungToRende(), { tagId: TAG, accountId: account }));
  await insertPassages(db, trip(new Date().toISOString(), ["01F0005S", "01F0017S"], { tagId: TAG, accountId: account }));
}, 120_000);
afterAll(async () => {
  await db?.close();
  await server?.stop();
});

const chunks = () =>
  db.query<{ old: boolean; is_compressed: boolean }>(
    "select range_end <= now() - interval '7 days' as old, is_compressed from timescaledb_information.chunks where hypertable_name = 'passages' order by range_start",
  );
const settlement = () =>
  db.one<{ payable_tenths: number; revision: number; passages: number }>("select payable_tenths, revision, passages from settlements where local_day = $1", [
    DAY,
  ]);

describe("TimescaleDB compression", () => {
  test("the old day settles; the compression policy compresses exactly the chunks older than 7 days", async () => {
    const svc = new SettlementService(db, { timeZone: "Asia/Taipei", connections: 1 });
    expect(await svc.runDay(DAY, { triggeredBy: "test" })).toMatchObject({ created: 1, payableTenths: 3280 });
    const job = await db.one<{ job_id: number }>(
      "select job_id from timescaledb_information.jobs where proc_name = 'policy_compression' and hypertable_name = 'passages'",
    );
    await db.query(`call run_job(${Number(job.job_id)})`);
    const after = await chunks();
    expect(after.filter((c) => c.old).length).toBeGreaterThan(0);
    expect(after.filter((c) => !c.old).length).toBeGreaterThan(0);
    for (const c of after) expect(c.is_compressed).toBe(c.old);
  });

  test("a late read goes into the compressed chunk and is read back", async () => {
    // Another zone a little later that morning: the Tainan end of the trip, read late.
    await insertPassages(db, [{ ts: at("09:30"), gantryId: "01F3252S", tagId: TAG, accountId: account }]);
    const n = await db.one<{ n: number }>("select count(*)::int as n from passages where tag_id = $1 and ts >= $2 and ts < $3", [
      TAG,
      at("00:00"),
      `${DAY}T23:59:59+08:00`,
    ]);
    expect(n.n).toBe(keelungToRende().length + 1);
    expect((await chunks()).filter((c) => c.old).every((c) => c.is_compressed)).toBe(true);
  });

  test("an antenna-duplicate merge (the ingest's UPDATE) reaches a passage in the compressed chunk", async () => {
    const first = keelungToRende()[0]!;
    const ts = new Date(at("08:00")).toISOString();
    const ref = { gantry: first, key: TAG, tsMs: Date.parse(ts), ts, tag: TAG, plate: null, rawReads: 3, addStored: 2, stored: true };
    const plan = { ...emptyGroupPlan(), storedMerges: [ref] };
    await db.tx((tx) => writeOthers(tx, plan));
    expect(await db.one("select raw_reads from passages where tag_id = $1 and gantry_id = $2 and ts = $3", [TAG, first, ts])).toEqual({
      raw_reads: 3,
    });
  });

  test("re-rating the day reads the compressed passages and posts only the difference", async () => {
    const before = await settlement();
    const r = await new SettlementService(db, { timeZone: "Asia/Taipei", connections: 1 }).runDay(DAY, { triggeredBy: "test" });
    expect(r).toMatchObject({ created: 0, revised: 1, adjustments: 1 });
    const after = await settlement();
    expect(after).toMatchObject({ revision: 2, passages: before.passages + 1 });
    expect(after.payable_tenths).toBeGreaterThan(before.payable_tenths);
    const entries = await db.query<{ kind: string; amount_tenths: number }>(
      "select kind, amount_tenths from ledger_entries where account_id = $1 order by id",
      [account],
    );
    expect(entries).toEqual([
      { kind: "toll", amount_tenths: -before.payable_tenths },
      { kind: "toll_adjustment", amount_tenths: before.payable_tenths - after.payable_tenths },
    ]);
  });
});
