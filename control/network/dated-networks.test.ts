import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { NetworkStore } from "../../core/network/network-store.ts";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { TravelTimeJob } from "../traveltime/travel-time-job.ts";
import { TripsJob } from "../trips/trips-job.ts";
import { DatedNetworks } from "./dated-networks.ts";

// A renumbering in the middle of the traffic: 01F0155N becomes 01F0156N at T (a version added while
// the jobs run). A period across T is cut there; a trip across T keeps both ids.
const T = Date.parse("2026-11-26T08:00:00+08:00");
const min = 60_000;
let t: TestDatabase;
let networks: DatedNetworks;
let batch = 1;

async function pass(ms: number, gantry: string, tag: string) {
  await t.db.query("insert into passages (ts, gantry_id, tag_id, read_class, vehicle_class, batch_no) values ($1, $2, $3, 31, 31, $4)", [
    new Date(ms),
    gantry,
    tag,
    batch++,
  ]);
}

beforeAll(async () => {
  t = await createTestDatabase();
  networks = await DatedNetworks.load(t.db);
  await new NetworkStore(t.db).add({ code: "t", validFrom: new Date(T).toISOString(), renumber: [{ from: "01F0155N", to: "01F0156N" }] });
});
afterAll(async () => t.drop());

describe("DatedNetworks across a renumbering", () => {
  test("a period is cut at the version's start, each piece on its network", async () => {
    const spans = await networks.spans(T - 10 * min, T + 10 * min);
    expect(spans.map((s) => [s.network.version, s.fromMs - T, s.toMs - T])).toEqual([
      ["2025", -10 * min, 0],
      ["t", 0, 10 * min],
    ]);
    expect(spans[0]!.network.segment("01F0213N", "01F0155N")).toBeGreaterThanOrEqual(0);
    expect(spans[1]!.network.segment("01F0213N", "01F0156N")).toBeGreaterThanOrEqual(0);
  });

  test("travel times before T on 01F0213N>01F0155N, after T on 01F0213N>01F0156N; a trip across T has both ids", async () => {
    for (let k = 0; k < 3; k++) {
      // before the renumbering: 2.0 km in 72 s, then 5.8 km in 240 s
      await pass(T - 20 * min + k * 1000, "01F0233N", `A${k}`);
      await pass(T - 20 * min + k * 1000 + 72_000, "01F0213N", `A${k}`);
      await pass(T - 20 * min + k * 1000 + 312_000, "01F0155N", `A${k}`);
      // after it
      await pass(T + 5 * min + k * 1000, "01F0213N", `B${k}`);
      await pass(T + 5 * min + k * 1000 + 240_000, "01F0156N", `B${k}`);
    }
    // one vehicle crosses T: 01F0233N and 01F0213N before, 01F0156N after
    await pass(T - 3 * min, "01F0233N", "C");
    await pass(T - 2 * min, "01F0213N", "C");
    await pass(T + 2 * min, "01F0156N", "C");
    await new TravelTimeJob(t.db, networks).computeRange(T - 30 * min, T + 30 * min);
    const stats = await t.db.query<{ f: string; g: string; tt: number; v: number }>(
      "select from_gantry as f, to_gantry as g, travel_time_s as tt, volume as v from segment_stats where source = 'computed' order by bucket, from_gantry, to_gantry",
    );
    expect(stats.filter((s) => s.g === "01F0155N" || s.g === "01F0156N")).toEqual([
      { f: "01F0213N", g: "01F0155N", tt: 240, v: 3 },
      { f: "01F0213N", g: "01F0156N", tt: 240, v: 3 },
    ]);
    await new TripsJob(t.db, networks).computeRange(T - 30 * min, T + 60 * min);
    const c = await t.db.one<{ path: { gantry: string }[]; length_km: number }>(
      "select path, length_km::float8 as length_km from trips where vehicle_key = 'C'",
    );
    expect(c.path.map((p) => p.gantry)).toEqual(["01F0233N", "01F0213N", "01F0156N"]);
    // 23.3 - 21.3 + 21.3 - 15.6 km
    expect(c.length_km).toBe(7.7);
  });
});
