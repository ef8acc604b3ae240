import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { SegmentNetwork } from "../network/segment-network.ts";
import { TravelTimeJob } from "./travel-time-job.ts";

// Real network: 01F0005S (km 0.5) -> 01F0017S (km 1.7), 1.2 km, southbound.
const T0 = Date.parse("2026-11-26T00:00:00Z");
let tdb: TestDatabase;
let net: SegmentNetwork;
let batch = 1;

async function addPassages(list: { s: number; gantry: string; tag: string; cls?: number }[]) {
  await tdb.db.bulkInsert(
    "passages",
    [
      { name: "ts", type: "timestamptz" },
      { name: "gantry_id", type: "text" },
      { name: "tag_id", type: "text" },
      { name: "read_class", type: "smallint" },
      { name: "vehicle_class", type: "smallint" },
      { name: "batch_no", type: "bigint" },
    ],
    list.map((p) => [new Date(T0 + p.s * 1000), p.gantry, p.tag, p.cls ?? 31, p.cls ?? 31, batch++]),
  );
}

async function stats() {
  return tdb.db.query<{ bucket: Date; volume: number; travel_time_s: number }>(
    "select bucket, volume, travel_time_s from segment_stats where source = 'computed' order by bucket",
  );
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  net = await SegmentNetwork.load(tdb.db);
});
afterAll(async () => tdb.drop());

describe("TravelTimeJob", () => {
  test("continuous runs, late reads recomputed in the trailing window, catch-up without gaps or double counts", async () => {
    const job = new TravelTimeJob(tdb.db, net, undefined, { initialLookbackMs: 3600_000, trailingMs: 30 * 60_000, chunkMs: 3600_000 });
    // one vehicle per 5-min interval for the first 20 minutes, 60 s each over 1.2 km
    await addPassages(
      [0, 1, 2, 3].flatMap((k) => [
        { s: k * 300 + 10, gantry: "01F0005S", tag: `A${k}` },
        { s: k * 300 + 70, gantry: "01F0017S", tag: `A${k}` },
      ]),
    );
    await job.runOnce(T0 + 20 * 60_000);
    expect((await stats()).map((r) => r.volume)).toEqual([1, 1, 1, 1]);

    // again: nothing doubles
    await job.runOnce(T0 + 20 * 60_000);
    expect((await stats()).map((r) => r.volume)).toEqual([1, 1, 1, 1]);

    // a late pair for the first interval arrives; the next run recomputes it
    await addPassages([
      { s: 20, gantry: "01F0005S", tag: "late" },
      { s: 90, gantry: "01F0017S", tag: "late" },
    ]);
    await job.runOnce(T0 + 25 * 60_000);
    const afterLate = await stats();
    expect(afterLate[0]!.volume).toBe(2);
    expect(afterLate[0]!.travel_time_s).toBe(65);

    // downtime: traffic continues for 5 hours, then the job runs once and fills every interval
    const later: { s: number; gantry: string; tag: string }[] = [];
    for (let k = 4; k < 64; k++) later.push({ s: k * 300 + 10, gantry: "01F0005S", tag: `B${k}` }, { s: k * 300 + 70, gantry: "01F0017S", tag: `B${k}` });
    await addPassages(later);
    await job.runOnce(T0 + 64 * 5 * 60_000 + 1000);
    const all = await stats();
    expect(all).toHaveLength(64);
    expect(all.every((r, i) => r.bucket.getTime() === T0 + i * 300_000)).toBe(true);
    expect(all.reduce((a, r) => a + r.volume, 0)).toBe(65);
    const mark = await tdb.db.one<{ t: Date }>("select computed_to as t from control_watermarks where job = 'traveltime'");
    expect(mark.t.getTime()).toBe(T0 + 64 * 5 * 60_000);
  });

  test("computeRange recomputes a past period on demand, idempotently", async () => {
    const job = new TravelTimeJob(tdb.db, net);
    const before = await stats();
    const r1 = await job.computeRange(T0, T0 + 3600_000);
    const r2 = await job.computeRange(T0, T0 + 3600_000);
    expect(r1.rows).toBe(12);
    expect(r2).toEqual(r1);
    expect(await stats()).toEqual(before);
  });
});
