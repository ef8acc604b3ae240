import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { loadConfig } from "../core/config/config.ts";
import { DatedNetworks } from "../control/network/dated-networks.ts";
import { TravelTimeJob } from "../control/traveltime/travel-time-job.ts";
import type { IngestService } from "../ingest/service/ingest-service.ts";
import { createTestGateway, type TestGateway } from "./support/gateway.ts";
import { header, RawGantry, startIngest, tagOf } from "./support/ingest.ts";

// A renumbering an operator adds through the API reaches a running ingest (reads at the new id are
// accepted and priced) and running control jobs (travel times on the new segment), without a restart:
// the version's trigger bumps the reference counter both look at (sql/601, sql/650).
let gw: TestGateway;
let ingest: IngestService;
let gantry: RawGantry;
beforeAll(async () => {
  gw = await createTestGateway();
  const w = loadConfig({}).ingest;
  // periodic reload far away: only the counter can make the ingest see the new version
  ingest = await startIngest(gw.testDb.db, { readMaxAgeSeconds: w.readMaxAgeSeconds, readMaxAheadSeconds: w.readMaxAheadSeconds, refreshIntervalMs: 600_000 });
  gantry = new RawGantry(ingest.endpoint);
});
afterAll(async () => {
  gantry?.close();
  await ingest?.stop();
  await gw?.close();
}, 60_000);

const iso = (ms: number) => new Date(ms).toISOString();
const passage = (g: string, batch: number) =>
  gw.testDb.db.one<{ posted_price_tenths: number | null; unpriced_reason: string | null }>(
    "select posted_price_tenths, unpriced_reason from passages where gantry_id = $1 and batch_no = $2",
    [g, batch],
  );

describe("a renumbering added through the API", () => {
  test("is picked up by the ingest (reads at the new id priced) and by the control jobs, without a restart", async () => {
    const db = gw.testDb.db;
    // Before: 01F0155N (Donghu, zone 2.1 km) prices a car at floor(21 x 12 / 10) = 25; 01F0156N is unknown.
    expect(await gantry.request(["TR1", header("01F0155N", 1), JSON.stringify([{ tag: tagOf(1), ts: iso(Date.now()), class: 31 }])])).toMatchObject({
      status: "ok",
      accepted: 1,
    });
    expect(await passage("01F0155N", 1)).toEqual({ posted_price_tenths: 25, unpriced_reason: null });
    const refused = await gantry.request(["TR1", header("01F0156N", 1), JSON.stringify([{ tag: tagOf(2), ts: iso(Date.now()), class: 31 }])]);
    expect(refused.status).not.toBe("ok");
    // the control job is built before the version exists, and keeps running
    const job = new TravelTimeJob(db, await DatedNetworks.load(db));

    const validFrom = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
    const res = await gw.request("/v1/network/versions", {
      method: "POST",
      role: "admin",
      json: { code: "test-renumber", validFrom: iso(validFrom), note: "01F0155N renumbered", renumber: [{ from: "01F0155N", to: "01F0156N" }] },
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      code: "test-renumber",
      gantries: 339,
      mainlineSegments: 327,
      links: 94,
      aliases: [{ oldId: "01F0155N", newId: "01F0156N" }],
    });
    const list = (await (await gw.request("/v1/network/versions", { role: "traffic_operator" })).json()) as { items: { code: string }[] };
    expect(list.items.map((v: { code: string }) => v.code)).toEqual(["2015", "2019-08", "2024-03", "2024-04", "2025", "test-renumber"]);
    // the current network tables follow
    expect(await db.query("select id, active from gantries where id in ('01F0155N', '01F0156N') order by id")).toEqual([
      { id: "01F0155N", active: false },
      { id: "01F0156N", active: true },
    ]);
    expect(await db.query("select from_gantry, to_gantry from road_segments where '01F0156N' in (from_gantry, to_gantry) order by 1")).toEqual([
      { from_gantry: "01F0156N", to_gantry: "01F0147N" },
      { from_gantry: "01F0213N", to_gantry: "01F0156N" },
    ]);

    // Ingest: the next group accepts the new id and prices it with its site's zone; a gantry the
    // tariff's network does not know is stored with its reason.
    const now = Date.now();
    expect(await gantry.request(["TR1", header("01F0156N", 2), JSON.stringify([{ tag: tagOf(3), ts: iso(now), class: 31 }])])).toMatchObject({
      status: "ok",
      accepted: 1,
    });
    expect(await passage("01F0156N", 2)).toEqual({ posted_price_tenths: 25, unpriced_reason: null });
    expect(await gantry.request(["TR1", header("01F0492N", 1), JSON.stringify([{ tag: tagOf(4), ts: iso(now), class: 31 }])])).toMatchObject({
      status: "ok",
    });
    expect(await passage("01F0492N", 1)).toEqual({ posted_price_tenths: null, unpriced_reason: "not_in_tariff" });

    // Control: five vehicles drive 01F0213N -> 01F0156N (5.7 km) in 240 s after the version's start.
    const t0 = validFrom + 5_000;
    for (let k = 0; k < 5; k++) {
      await db.query(
        "insert into passages (ts, gantry_id, tag_id, read_class, vehicle_class, batch_no) values ($1, $2, $3, 31, 31, $4), ($5, $6, $3, 31, 31, $4)",
        [new Date(t0 + k * 1000), "01F0213N", tagOf(100 + k), 1000 + k, new Date(t0 + k * 1000 + 240_000), "01F0156N"],
      );
    }
    const r = await job.computeRange(validFrom, validFrom + 300_000);
    expect(r.matches).toBe(5);
    expect(await db.query("select from_gantry, to_gantry, travel_time_s, volume from segment_stats where source = 'computed'")).toEqual([
      { from_gantry: "01F0213N", to_gantry: "01F0156N", travel_time_s: 240, volume: 5 },
    ]);
  });
});
