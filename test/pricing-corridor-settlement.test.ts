import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { repriceDay } from "../core/settlement/reprice.ts";
import { runScenario, type Scenario, ZHONGLI_NORTHBOUND } from "../control/pricing/corridor-evaluation.ts";
import type { IngestService } from "../ingest/service/ingest-service.ts";
import { TrafficData } from "../ingest/simulator/traffic-data.ts";
import { createTestGateway, expectJson, type TestGateway } from "./support/gateway.ts";
import { RawGantry, header, startIngest } from "./support/ingest.ts";
import { settleThroughApi } from "./support/tolling.ts";

/**
 * The corridor evaluation's priced peak (control/pricing/corridor-evaluation.ts, 01F northbound
 * Zhongli, seed 17) charged for real: its price log published as the pricing job publishes it, every
 * passage of the corridor sent over TR1 to the real ingest, the day settled through the API. Then
 * every settled vehicle is re-priced from the stored passages and the price log, and the congestion
 * charged is checked against a separate computation from the evaluation's own log and reads.
 */
const DAY = "2024-03-25";
const T0 = Date.parse(`${DAY}T00:00:00+08:00`);
const H = 3_600_000;
const SEGMENT = ZHONGLI_NORTHBOUND.priced[0]!;
const [FROM, TO] = SEGMENT.split(">") as [string, string];

let sc: Scenario;
let gw: TestGateway;
let ingest: IngestService;
let gantry: RawGantry;

beforeAll(async () => {
  const data = TrafficData.load({ gantryIds: ZHONGLI_NORTHBOUND.gantries, atMs: T0 });
  sc = runScenario({ data, corridor: ZHONGLI_NORTHBOUND, peakStartMs: T0 + 6 * H, peakEndMs: T0 + 10 * H, seed: 17 });
  gw = await createTestGateway();
  ingest = await startIngest(gw.testDb.db);
  gantry = new RawGantry(ingest.endpoint);
  await expectJson(
    await gw.request(`/v1/traffic/priced-segments/${FROM}/${TO}`, {
      role: "admin",
      method: "PUT",
      json: { enabled: true, capacityVph: sc.capacityVehiclesPerHour },
    }),
    200,
  );
  // The corridor's trips are short: on an ordinary day the free 20 km would absorb most of them. A
  // single-rate day (75 %, no free km: Taiwan's holiday rule) makes every vehicle pay something.
  await expectJson(await gw.request("/v1/tariff-special-days", { method: "POST", role: "admin", json: { day: DAY, kind: "single_rate", ratePct: 75 } }), 201);
  for (const p of sc.on.prices) {
    await gw.testDb.db.query(
      `insert into price_log (from_gantry, to_gantry, announced_at, effective_from, permille, speed_kmh, volume, above_updates, reason)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [p.fromGantry, p.toGantry, new Date(p.announcedAtMs), new Date(p.effectiveFromMs), p.permille, p.speedKmh, p.volume, p.aboveUpdates, p.reason],
    );
  }
  // Each gantry's reads in time order, in batches of 2 000, as its reader sends them.
  const byGantry = new Map<string, object[]>();
  for (const p of sc.on.passages) {
    const read = p.tag
      ? { tag: p.tag, ts: new Date(p.tsMs).toISOString(), lane: p.lane, class: p.vehicleClass }
      : { plate: p.plate, ts: new Date(p.tsMs).toISOString(), lane: p.lane, class: p.vehicleClass, conf: 0.95 };
    byGantry.set(p.gantryId, [...(byGantry.get(p.gantryId) ?? []), read]);
  }
  for (const [g, reads] of byGantry) {
    for (let i = 0, batch = 1; i < reads.length; i += 2000, batch++) {
      const part = reads.slice(i, i + 2000);
      expect(await gantry.request(["TR1", header(g, batch), JSON.stringify(part)])).toMatchObject({ status: "ok", accepted: part.length });
    }
  }
}, 180_000);

afterAll(async () => {
  gantry?.close();
  await ingest?.stop();
  await gw?.close();
});

/** The multiplier in force at t, straight from the evaluation's log: the newest effective price, for 15 minutes. */
function inForce(t: number): number {
  let best: (typeof sc.on.prices)[number] | undefined;
  for (const p of sc.on.prices) if (p.effectiveFromMs <= t && (!best || p.effectiveFromMs >= best.effectiveFromMs)) best = p;
  return best && t < best.effectiveFromMs + 15 * 60_000 ? best.permille : 1000;
}

describe("the priced corridor settled", () => {
  test("every vehicle settled once; re-pricing each from the price log gives the same amounts to the NT$0.1", async () => {
    const run = await settleThroughApi(gw, DAY, "admin", 170_000);
    const vehicles = new Set(sc.on.passages.map((p) => p.tag ?? `plate:${p.plate}`)).size;
    expect(run).toMatchObject({ status: "done", vehicles });
    const audit = await repriceDay(gw.testDb.db, DAY, "Asia/Taipei");
    console.error(`[priced corridor] ${JSON.stringify({ ...audit, mismatches: audit.mismatches.length })}`);
    expect(audit.vehicles).toBe(vehicles);
    expect(audit.mismatches).toEqual([]);
    expect(audit.matched).toBe(vehicles);
    expect(audit.congestionPassages).toBeGreaterThan(10_000);
    const paid = await gw.testDb.db.one<{ t: number; n: number }>(
      "select sum(payable_tenths)::bigint as t, count(*) filter (where payable_tenths > 0)::int as n from settlements where local_day = $1",
      [DAY],
    );
    expect(audit.payableTenths).toBe(Number(paid.t));
    expect(paid.n).toBeGreaterThan(vehicles * 0.9);

    // The congestion charged, computed apart: each passage at the priced segment's downstream gantry
    // pays floor(posted x min(price at its read upstream within the hour, or at itself; price at the
    // gantry) / 1000); its posted price is the one the ingest stored.
    const posted = new Map(
      (
        await gw.testDb.db.query<{ c: number; p: number }>(
          "select vehicle_class as c, min(posted_price_tenths) as p from passages where gantry_id = $1 group by 1",
          [TO],
        )
      ).map((r) => [r.c, r.p]),
    );
    const last = new Map<string, { gantry: string; ts: number }>();
    let expected = 0;
    for (const p of sc.on.passages) {
      const v = p.tag ?? `plate:${p.plate}`;
      const prev = last.get(v);
      last.set(v, { gantry: p.gantryId, ts: p.tsMs });
      if (p.gantryId !== TO) continue;
      const entry = prev && prev.gantry === FROM && p.tsMs - prev.ts <= H ? prev.ts : p.tsMs;
      const fixed = posted.get(p.vehicleClass)!;
      expected += Math.floor((fixed * Math.min(inForce(entry), inForce(p.tsMs))) / 1000) - fixed;
    }
    const charged = await gw.testDb.db.one<{ t: number }>("select coalesce(sum(congestion_tenths), 0)::bigint as t from settlements where local_day = $1", [
      DAY,
    ]);
    expect(Number(charged.t)).toBe(expected);
    expect(audit.congestionTenths).toBe(expected);
    expect(expected).toBeGreaterThan(0);
  }, 180_000);
});
