import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { SegmentNetwork } from "../network/segment-network.ts";
import { TripsJob } from "./trips-job.ts";

const T0 = Date.parse("2026-11-26T00:00:00Z");
const min = 60_000;
let tdb: TestDatabase;
let net: SegmentNetwork;
let batch = 1;

async function pass(m: number, gantry: string, tag: string) {
  await tdb.db.query("insert into passages (ts, gantry_id, tag_id, read_class, vehicle_class, batch_no) values ($1, $2, $3, 31, 31, $4)", [
    new Date(T0 + m * min),
    gantry,
    tag,
    batch++,
  ]);
}
const trips = () =>
  tdb.db.query<{ vehicle_key: string; start_gantry: string; end_gantry: string; trip_end: boolean; n: number }>(
    "select vehicle_key, start_gantry, end_gantry, trip_end, jsonb_array_length(path)::int as n from trips where source = 'computed' order by start_ts",
  );

beforeAll(async () => {
  tdb = await createTestDatabase();
  net = await SegmentNetwork.load(tdb.db);
});
afterAll(async () => tdb.drop());

describe("TripsJob", () => {
  test("an open trip is extended by later runs, then closed; reruns store nothing twice", async () => {
    const job = new TripsJob(tdb.db, net);
    await pass(0, "01F0005S", "T1");
    await pass(1, "01F0017S", "T1");
    await job.runOnce(T0 + 5 * min);
    expect(await trips()).toEqual([{ vehicle_key: "T1", start_gantry: "01F0005S", end_gantry: "01F0017S", trip_end: false, n: 2 }]);
    await pass(4, "01F0029S", "T1");
    await job.runOnce(T0 + 10 * min);
    await job.runOnce(T0 + 10 * min);
    expect(await trips()).toEqual([{ vehicle_key: "T1", start_gantry: "01F0005S", end_gantry: "01F0029S", trip_end: false, n: 3 }]);
    await job.runOnce(T0 + 40 * min);
    expect(await trips()).toEqual([{ vehicle_key: "T1", start_gantry: "01F0005S", end_gantry: "01F0029S", trip_end: true, n: 3 }]);
    await pass(90, "01F0005S", "T1");
    await job.runOnce(T0 + 95 * min);
    expect((await trips()).map((t) => [t.n, t.trip_end])).toEqual([
      [3, true],
      [1, false],
    ]);
  });
});
