import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { insertPassages, type PassageFixture } from "../../test/support/tolling.ts";
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
let vehicle = 0;
/**
 * `count` vehicles of a class leaving 01F0264S>01F0293S (its length from road_segments) in the
 * 5 minutes from bucketMs at `speed` km/h: a read upstream, one downstream.
 */
const traffic = async (bucketMs: number, rows: [number, number, number][]) => {
  const { length_km } = await t.db.one<{ length_km: number }>(
    "select length_km::float8 as length_km from road_segments where from_gantry = '01F0264S' and to_gantry = '01F0293S'",
  );
  const list: PassageFixture[] = [];
  for (const [cls, speed, count] of rows) {
    const travelMs = (length_km / speed) * 3_600_000;
    for (let k = 0; k < count; k++) {
      const exit = bucketMs + Math.floor(((k + 0.5) * 5 * MIN) / count);
      const tagId = `E2800000000000000000${(++vehicle).toString(16).toUpperCase().padStart(4, "0")}`;
      list.push({ ts: new Date(exit - travelMs), gantryId: "01F0264S", tagId, vehicleClass: cls });
      list.push({ ts: new Date(exit), gantryId: "01F0293S", tagId, vehicleClass: cls });
    }
  }
  await insertPassages(t.db, list);
};
const log = () =>
  t.db.query<{ effective_from: Date; announced_at: Date; permille: number; reason: string; volume: number; speed_kmh: number | null }>(
    "select effective_from, announced_at, permille, reason, volume, speed_kmh from price_log order by id",
  );

describe("pricing job", () => {
  test("publishes one price per 5 min from the closed interval, before it applies; hysteresis on the way down; reruns append nothing", async () => {
    const job = new PricingJob(t.db);
    // 07:55-08:00: cars at 40 km/h, trucks at 30 (pooled: volume-weighted harmonic mean)
    await traffic(T - 5 * MIN, [
      [31, 40, 90],
      [42, 30, 10],
    ]);
    await job.runOnce(T + 20_000);
    await job.runOnce(T + 40_000);
    await traffic(T, [[31, 96, 120]]);
    await job.runOnce(T + 5 * MIN + 20_000);
    await traffic(T + 5 * MIN, [[31, 96, 120]]);
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
    await traffic(T + 10 * MIN, [[31, 20, 150]]);
    await new PricingJob(t.db).runOnce(T + 15 * MIN + 20_000);
    expect((await log()).at(-1)).toMatchObject({ permille: 1050, reason: "frozen" });
    await expect(t.db.query("update price_log set permille = 1000")).rejects.toThrow(/append-only/);
    await expect(t.db.query("delete from price_log")).rejects.toThrow(/append-only/);
  });

  test("after a gap longer than a price lasts, the next price starts again from the fixed rate", async () => {
    await t.db.query("delete from price_overrides");
    // The last price (1.05x) took effect at 08:15 and lapsed at 08:30; the job runs again at 09:00.
    await traffic(T + 55 * MIN, [[31, 60, 150]]);
    await new PricingJob(t.db).runOnce(T + 60 * MIN + 20_000);
    // (72 - 60) x 25 = 300 per-mille, at most one 250 step: from 1000, not from 1050.
    expect((await log()).at(-1)).toMatchObject({ permille: 1250, reason: "below-target" });
  });

  test("a replay of a past period starts from the price before it, not from a later one", async () => {
    // A price published for tomorrow (a replay's clock ran ahead once) must not become today's state.
    await t.db.query(
      "insert into price_log (from_gantry, to_gantry, announced_at, effective_from, permille, reason) values ('01F0264S', '01F0293S', $1, $2, 3000, 'test')",
      [new Date(T + 86_400_000), new Date(T + 86_400_000 + 5 * MIN)],
    );
    await traffic(T + 60 * MIN, [[31, 80, 150]]);
    await new PricingJob(t.db).runOnce(T + 65 * MIN + 20_000);
    const rows = await log();
    expect(rows.find((r) => r.effective_from.getTime() === T + 70 * MIN)).toMatchObject({ permille: 1250, reason: "in-band" });
  });
});
