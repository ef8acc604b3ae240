import { beforeAll, describe, expect, test } from "bun:test";
import { TrafficData } from "../../ingest/simulator/traffic-data.ts";
import { CongestionPrices } from "../../core/tariff/congestion-prices.ts";
import { GRID_PERMILLE, DEFAULT_PRICING } from "./price-controller.ts";
import { runScenario, type Scenario, ZHONGLI_NORTHBOUND } from "./corridor-evaluation.ts";

/*
 * Issue 17's acceptance on a real corridor: 01F northbound Zhongli-Taoyuan, the real day's demand
 * (calibrated on the priced segment), a bottleneck 5 % below the real day's busiest hour there,
 * 06:00-10:00 (48 intervals) after an hour of warm-up, pricing on vs off with the same seed.
 * A few seconds.
 */
const DAY = Date.parse("2024-03-25T00:00:00+08:00");
const H = 3600_000;
const c = DEFAULT_PRICING;

let sc: Scenario;
beforeAll(() => {
  const data = TrafficData.load({ gantryIds: ZHONGLI_NORTHBOUND.gantries, atMs: DAY });
  sc = runScenario({ data, corridor: ZHONGLI_NORTHBOUND, peakStartMs: DAY + 6 * H, peakEndMs: DAY + 10 * H, seed: 17 });
  const figures = (r: Scenario["on"]) => ({
    shareAtTarget: Number(r.shareAtTarget.toFixed(3)),
    maxStepPermille: r.maxStepPermille,
    maxPermille: r.maxPermille,
    meanPermille: Math.round(r.meanPermille),
    diverted: r.diverted,
    shifted: r.shifted,
    pricedVehicles: r.pricedVehicles,
  });
  console.error(
    `[corridor evaluation] ${JSON.stringify({ vehiclesPerHour: sc.vehiclesPerHour, capacity: sc.capacityVehiclesPerHour, on: figures(sc.on), off: figures(sc.off) })}`,
  );
}, 60_000);

describe("pricing on vs off on a real corridor", () => {
  test("the scenario is the real day's demand on the priced segment, over a bottleneck below its busiest hour", () => {
    expect(Math.abs(sc.simulatedFlowPerHour / sc.realFlowPerHour - 1)).toBeLessThan(0.05);
    expect(sc.capacityVehiclesPerHour).toBeLessThan(sc.realPeakHourFlowPerHour);
    expect(sc.on.intervals.length).toBe(48);
  });

  test("without pricing the priced segment falls below the target speed in most of the peak", () => {
    expect(sc.off.shareAtTarget).toBeLessThan(0.9);
    expect(sc.off.diverted + sc.off.shifted).toBe(0);
    expect(sc.off.prices).toEqual([]);
  });

  test("with pricing it holds the target speed far more often, drivers divert and shift", () => {
    expect(sc.on.shareAtTarget).toBeGreaterThanOrEqual(sc.off.shareAtTarget + 0.3);
    expect(sc.on.diverted).toBeGreaterThan(0);
    expect(sc.on.shifted).toBeGreaterThan(0);
    expect(sc.on.maxPermille).toBeGreaterThan(1000);
  });

  // With the capacity configured the controller raises the price as the flow nears it, before the
  // queue forms (speed alone: 85.4 % here, README).
  test("acceptance: with pricing >= 90 % of the peak intervals at or above the target speed", () => {
    expect(sc.on.shareAtTarget).toBeGreaterThanOrEqual(0.9);
    expect(sc.on.prices.some((p) => p.reason === "high-flow")).toBe(true);
  });

  test("prices never move more than the configured step, on the grid and within the bounds", () => {
    expect(sc.on.maxStepPermille).toBeLessThanOrEqual(c.maxStepPermille);
    let last = 1000;
    for (const p of sc.on.prices) {
      expect(Math.abs(p.permille - last)).toBeLessThanOrEqual(c.maxStepPermille);
      expect(p.permille % GRID_PERMILLE).toBe(0);
      expect(p.permille).toBeGreaterThanOrEqual(c.minPermille);
      expect(p.permille).toBeLessThanOrEqual(c.maxPermille);
      last = p.permille;
    }
  });

  test("every price is published before it applies: 20 s after its interval closes, from the next interval", () => {
    expect(sc.on.prices.length).toBeGreaterThanOrEqual(60);
    for (const p of sc.on.prices) {
      expect(p.effectiveFromMs).toBeGreaterThanOrEqual(p.announcedAtMs);
      expect(p.effectiveFromMs - p.announcedAtMs).toBe(5 * 60_000 - 20_000);
      expect(p.effectiveFromMs % (5 * 60_000)).toBe(0);
    }
    // The multiplier of each scored interval is the log's price in force then.
    const log = new CongestionPrices(sc.on.prices);
    for (const i of sc.on.intervals) expect(i.permille).toBe(log.priceAt(i.segment, i.startMs).permille);
    // Each price comes from the measurement of the interval that closed just before its announcement.
    const measured = new Map(sc.on.intervals.map((i) => [i.startMs, i]));
    for (const p of sc.on.prices) {
      const i = measured.get(p.effectiveFromMs - 10 * 60_000);
      if (i) expect([p.volume, p.speedKmh]).toEqual([i.volume, i.speedKmh]);
    }
  });

  test("returns the corridor's passages in time order for the database, the priced ones counted", () => {
    const gantries = new Set(ZHONGLI_NORTHBOUND.gantries);
    expect(sc.on.passages.length).toBeGreaterThan(50_000);
    for (let k = 0; k < sc.on.passages.length; k++) {
      const p = sc.on.passages[k]!;
      expect(gantries.has(p.gantryId)).toBe(true);
      expect(p.tag !== undefined || p.plate !== undefined).toBe(true);
      if (k > 0) expect(p.tsMs).toBeGreaterThanOrEqual(sc.on.passages[k - 1]!.tsMs);
    }
    expect(sc.on.pricedVehicles).toBe(sc.on.intervals.reduce((a, i) => a + i.volume, 0));
    expect(sc.on.pricedVehicles).toBeGreaterThan(10_000);
  });
});
