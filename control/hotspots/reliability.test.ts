import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { segmentReliability } from "./reliability.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());

const at = (hhmm: string) => new Date(`2024-05-07T${hhmm}:00+08:00`);

describe("TTI / PTI", () => {
  /*
   * 01F0213N > 01F0153N on 2024-05-07 (network 2024-04): 21.3 - 15.3 = 6.0 km at 100 km/h free flow,
   * free-flow time 6.0 x 3600 / 100 = 216 s. By hand:
   *   08:00  class 31: 300 s x 10, class 42: 400 s x 10  -> (3000 + 4000) / 20 = 350 s, volume 20
   *   08:05  class 31: 216 s x 30                         -> 216 s, volume 30
   *   08:10  class 31: speed only, 54 km/h x 10           -> 6.0 x 3600 / 54 = 400 s, volume 10
   *   08:15  class 31: 0 s, volume 0                      -> no traffic, not an interval
   *   mean = (350 x 20 + 216 x 30 + 400 x 10) / 60 = 17480 / 60 s; TTI = 17480 / (60 x 216) = 437 / 324
   *   95th percentile of (216, 350, 400), linear: rank 0.95 x 2 = 1.9 -> 350 + 0.9 x 50 = 395 s;
   *   PTI = 395 / 216
   * A row for 01F0213N > 01F0155N the same day is no segment of that day's network (0155 was 0153
   * then): not counted.
   */
  test("on a small fixture, exactly the values computed by hand, on the network of the date", async () => {
    const rows: [Date, string, string, number, number | null, number | null, number][] = [
      [at("08:00"), "01F0213N", "01F0153N", 31, 300, null, 10],
      [at("08:00"), "01F0213N", "01F0153N", 42, 400, null, 10],
      [at("08:05"), "01F0213N", "01F0153N", 31, 216, null, 30],
      [at("08:10"), "01F0213N", "01F0153N", 31, null, 54, 10],
      [at("08:15"), "01F0213N", "01F0153N", 31, null, null, 0],
      [at("08:00"), "01F0213N", "01F0155N", 31, 999, null, 50],
    ];
    for (const r of rows) {
      await t.db.query(
        "insert into segment_stats (bucket, from_gantry, to_gantry, vehicle_class, source, travel_time_s, speed_kmh, volume) values ($1, $2, $3, $4, 'tdcs', $5, $6, $7)",
        r,
      );
    }
    const rel = await segmentReliability(t.db, { fromMs: at("08:00").getTime(), toMs: at("08:30").getTime(), source: "tdcs" });
    expect(rel).toHaveLength(1);
    const r = rel[0]!;
    expect(r).toMatchObject({ fromGantry: "01F0213N", toGantry: "01F0153N", lengthKm: 6, freeFlowTravelTimeS: 216, intervals: 3, volume: 60 });
    expect(r.meanTravelTimeS).toBeCloseTo(17480 / 60, 9);
    expect(r.p95TravelTimeS).toBeCloseTo(395, 9);
    expect(r.tti).toBeCloseTo(437 / 324, 12);
    expect(r.pti).toBeCloseTo(395 / 216, 12);
    expect([Number(r.tti.toFixed(6)), Number(r.pti.toFixed(6))]).toEqual([1.348765, 1.828704]);
  });
});
