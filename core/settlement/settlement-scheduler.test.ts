import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SettlementScheduler } from "./settlement-scheduler.ts";
import { SettlementService } from "./settlement-service.ts";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { createAccount, createTag, insertPassages, keelungToRende, trip } from "../../test/support/tolling.ts";

/** The automatic settlement after local midnight, with catch-up of missed days, on a pinned clock. */
let t: TestDatabase;
let now = new Date("2024-03-26T00:05:00+08:00");
const clock = () => now;
const TPE = "Asia/Taipei";
const TAG = "E2801160600002085BFC5C01";

beforeAll(async () => {
  t = await createTestDatabase();
  const acct = await createAccount(t.db, 100_000);
  await createTag(t.db, acct, TAG);
  const zones = keelungToRende();
  for (const day of ["2024-03-25", "2024-03-26", "2024-03-27", "2024-03-28", "2024-03-29"]) {
    await insertPassages(t.db, trip(`${day}T08:00:00+08:00`, zones, { tagId: TAG, accountId: acct }));
  }
});
afterAll(async () => t?.drop());

function scheduler(maxCatchUpDays = 7) {
  const svc = new SettlementService(t.db, { timeZone: TPE, clock });
  return new SettlementScheduler(t.db, svc, { timeZone: TPE, clock, graceMs: 10 * 60_000, maxCatchUpDays, checkEveryMs: 50 });
}

const settledDays = async () => (await t.db.query<{ d: string }>("select local_day::text as d from settlements order by local_day")).map((r) => r.d);

describe("settlement scheduler", () => {
  test("with no run on record it starts at the last day that is over", async () => {
    expect(await scheduler().dueDays()).toEqual(["2024-03-24"]);
  });

  test("waits for the grace period after local midnight", async () => {
    await t.db.query("insert into settlement_runs (local_day, status, triggered_by, finished_at) values ('2024-03-24', 'done', 'schedule', now())");
    expect(await scheduler().dueDays()).toEqual([]);
    now = new Date("2024-03-26T00:11:00+08:00");
    expect(await scheduler().dueDays()).toEqual(["2024-03-25"]);
  });

  test("a tick settles yesterday once; the next tick has nothing to do", async () => {
    const s = scheduler();
    expect(await s.tick()).toEqual({ settled: ["2024-03-25"], resettled: [], escalated: true });
    expect(await s.tick()).toEqual({ settled: [], resettled: [], escalated: false });
    expect(await settledDays()).toEqual(["2024-03-25"]);
    expect((await t.db.one<{ n: number }>("select count(*)::int as n from ledger_entries where kind = 'toll'")).n).toBe(1);
  });

  test("missed days are caught up oldest first, bounded by maxCatchUpDays", async () => {
    now = new Date("2024-03-30T06:00:00+08:00");
    expect(await scheduler().dueDays()).toEqual(["2024-03-26", "2024-03-27", "2024-03-28", "2024-03-29"]);
    expect(await scheduler(2).dueDays()).toEqual(["2024-03-28", "2024-03-29"]);
    expect((await scheduler().tick()).settled).toEqual(["2024-03-26", "2024-03-27", "2024-03-28", "2024-03-29"]);
    expect(await settledDays()).toEqual(["2024-03-25", "2024-03-26", "2024-03-27", "2024-03-28", "2024-03-29"]);
    const runs = await t.db.query<{ triggered_by: string }>("select distinct triggered_by from settlement_runs");
    expect(runs).toEqual([{ triggered_by: "schedule" }]);
  });

  test("start() runs on its timer and stop() waits for the run in progress", async () => {
    now = new Date("2024-03-31T01:00:00+08:00");
    await insertPassages(t.db, trip("2024-03-30T08:00:00+08:00", keelungToRende(), { tagId: TAG }));
    const s = scheduler();
    s.start();
    const deadline = Date.now() + 5_000;
    while (!(await settledDays()).includes("2024-03-30") && Date.now() < deadline) await Bun.sleep(20);
    await s.stop();
    expect(await settledDays()).toContain("2024-03-30");
  });
});
