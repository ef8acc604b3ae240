import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { PricingJob } from "./pricing-job.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.query("insert into priced_segments (from_gantry, to_gantry) values ('01F0264S', '01F0293S')");
});
afterAll(async () => {
  await t?.drop();
});

const T = Date.parse("2026-11-26T08:00:00+08:00");
const MIN = 60_000;
const stats = (bucketMs: number, rows: [number, number, number][]) =>
  Promise.all(
    rows.map(([cls, speed, volume]) =>
      t.db.query(
        `insert into segment_stats (bucket, from_gantry, to_gantry, vehicle_class, source, travel_time_s, speed_kmh, volume)
         values ($1, '01F0264S', '01F0293S', $2, 'computed', 2.9 / $3 * 3600, $3, $4)`,
        [new Date(bucketMs), cls, speed, volume],
      ),
    ),
  );
const log = () =>
  t.db.query<{ effective_from: Date; announced_at: Date; permille: number; reason: string; volume: number; speed_kmh: number | null }>(
    "select effective_from, announced_at, permille, reason, volume, speed_kmh from price_log order by id",
  );

describe("pricing job", () => {
  test("publishes one price per 5 min from the closed interval, before it applies; hysteresis on the way down; reruns append nothing", async () => {
    const job = new PricingJob(t.db);
    // 07:55-08:00: cars at 40 km/h, trucks at 30 (pooled: volume-weighted harmonic mean)
    await stats(T - 5 * MIN, [
      [31, 40, 90],
      [42, 30, 10],
    ]);
    await job.runOnce(T + 20_000);
    await job.runOnce(T + 40_000);
    await stats(T, [[31, 95, 120]]);
    await job.runOnce(T + 5 * MIN + 20_000);
    await stats(T + 5 * MIN, [[31, 95, 120]]);
    await job.runOnce(T + 10 * MIN + 20_000);
    const rows = await log();
    expect(rows.map((r) => [r.effective_from.getTime() - T, r.permille, r.reason, r.volume])).toEqual([
      [5 * MIN, 1250, "below-target", 100],
      [10 * MIN, 1250, "hysteresis", 120],
      [15 * MIN, 1050, "above-band", 120],
    ]);
    expect(rows[0]!.speed_kmh!).toBeCloseTo(100 / (90 / 40 + 10 / 30), 3);
    for (const r of rows) expect(r.effective_from.getTime()).toBeGreaterThan(r.announced_at.getTime());
  });

  test("a frozen segment keeps its price; the log cannot be changed or deleted", async () => {
    await t.db.query("insert into price_overrides (from_gantry, to_gantry, frozen, set_by) values ('01F0264S', '01F0293S', true, 'test')");
    await stats(T + 10 * MIN, [[31, 20, 150]]);
    await new PricingJob(t.db).runOnce(T + 15 * MIN + 20_000);
    expect((await log()).at(-1)).toMatchObject({ permille: 1050, reason: "frozen" });
    await expect(t.db.query("update price_log set permille = 1000")).rejects.toThrow(/append-only/);
    await expect(t.db.query("delete from price_log")).rejects.toThrow(/append-only/);
  });

  test("after a gap longer than a price lasts, the next price starts again from the fixed rate", async () => {
    await t.db.query("delete from price_overrides");
    // The last price (1.05x) took effect at 08:15 and lapsed at 08:30; the job runs again at 09:00.
    await stats(T + 55 * MIN, [[31, 60, 150]]);
    await new PricingJob(t.db).runOnce(T + 60 * MIN + 20_000);
    // (72 - 60) x 25 = 300 per-mille, at most one 250 step: from 1000, not from 1050.
    expect((await log()).at(-1)).toMatchObject({ permille: 1250, reason: "below-target" });
  });
});
