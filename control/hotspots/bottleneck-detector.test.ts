import { describe, expect, test } from "bun:test";
import { SegmentNetwork } from "../network/segment-network.ts";
import { loadConfig } from "../../core/config/config.ts";
import { BottleneckDetector, DEFAULT_BOTTLENECK, bottleneckConfig } from "./bottleneck-detector.ts";
import { SpeedGrid } from "./speed-grid.ts";

// Southbound chain of four 2-km segments: s0 -> s1 -> s2 -> s3.
const ids = ["01F0100S", "01F0120S", "01F0140S", "01F0160S", "01F0180S"];
const net = new SegmentNetwork(
  ids.map((id, i) => ({ id, km: 10 + 2 * i })),
  ids.slice(1).map((to, i) => ({ fromGantry: ids[i]!, toGantry: to, freeway: "01F", direction: "S", lengthKm: 2, freeFlowKmh: 100 })),
);
const T0 = Date.parse("2026-11-26T00:00:00Z");

/** Fills all four segments at 95 km/h, 100 cars per interval, then applies `slow`. */
function grid(intervals: number, slow: (s: number, t: number) => number | undefined): SpeedGrid {
  const g = new SpeedGrid(net, T0, intervals);
  for (let s = 0; s < 4; s++) for (let t = 0; t < intervals; t++) g.set(s, t, 31, slow(s, t) ?? 95, 100);
  return g;
}

describe("BottleneckDetector", () => {
  test("queue in s1 and s0 discharging into free-flowing s2: one confirmed bottleneck at s1 with extent and delay", () => {
    // intervals 3..10: s1 at 30 km/h, s0 at 50 km/h (queue spilled back), s2 free
    const g = grid(20, (s, t) => (t >= 3 && t <= 10 ? (s === 1 ? 30 : s === 0 ? 50 : undefined) : undefined));
    const eps = new BottleneckDetector().detect(g);
    expect(eps).toHaveLength(1);
    const e = eps[0]!;
    expect(net.segments[e.segment]!.fromGantry).toBe("01F0120S");
    expect(e.startMs).toBe(T0 + 3 * 300_000);
    expect(e.endMs).toBe(T0 + 11 * 300_000);
    expect(e.flagged).toBe(8);
    expect(e.confirmed).toBe(true);
    expect(e.ongoing).toBe(false);
    expect(e.minSpeedKmh).toBe(30);
    expect(e.extentUpstreamKm).toBe(4);
    // 8 intervals x 100 veh x 2 km x [(1/30 - 1/100) + (1/50 - 1/100)]
    expect(e.delayVehicleHours).toBeCloseTo(8 * 100 * 2 * (1 / 30 - 1 / 100 + 1 / 50 - 1 / 100), 6);
    // 53 veh-h and 30 km/h: moderate (severe needs >= 300 veh-h or < 20 km/h)
    expect(e.severity).toBe("moderate");
  });

  test("4 of 7 is not confirmed; gaps of two intervals stay one episode; three end it", () => {
    const flagged = new Set([0, 1, 3, 4, 12, 13, 16, 17, 18]);
    const g = grid(25, (s, t) => (s === 2 && flagged.has(t) ? 40 : s === 3 && flagged.has(t) ? 95 : undefined));
    const eps = new BottleneckDetector().detect(g);
    expect(eps.map((e) => [(e.startMs - T0) / 300_000, (e.endMs - T0) / 300_000, e.flagged, e.confirmed])).toEqual([
      [0, 5, 4, false],
      [12, 19, 5, true],
    ]);
  });

  test("thresholds are configurable; a small drop or missing data flags nothing", () => {
    // s1 at 60 and s2 at 85: drop 25 < 32 km/h
    const g = grid(10, (s) => (s === 1 ? 60 : s === 2 ? 85 : undefined));
    expect(new BottleneckDetector().detect(g)).toHaveLength(0);
    const loose = new BottleneckDetector({ ...DEFAULT_BOTTLENECK, dropKmh: 20 });
    expect(loose.detect(g)).toHaveLength(1);
    const empty = new SpeedGrid(net, T0, 10);
    expect(new BottleneckDetector().detect(empty)).toHaveLength(0);
  });

  test("an episode flagged at the end of the data is ongoing; classes combine by harmonic mean", () => {
    const g = new SpeedGrid(net, T0, 8);
    for (let s = 0; s < 4; s++) for (let t = 0; t < 8; t++) g.set(s, t, 31, 95, 100);
    for (let t = 2; t < 8; t++) {
      // cars 50, trucks 25: combined 150 / (100/50 + 50/25) = 37.5 km/h
      g.set(1, t, 31, 50, 100);
      g.set(1, t, 42, 25, 50);
    }
    const [e] = new BottleneckDetector().detect(g);
    expect(e!.ongoing).toBe(true);
    expect(e!.confirmed).toBe(true);
    expect(e!.minSpeedKmh).toBeCloseTo(37.5, 5);
  });

  test("newest intervals without data (vehicles still on the segment) do not clear an episode; stale data does", () => {
    const g = new SpeedGrid(net, T0, 20);
    for (let s = 0; s < 4; s++) for (let t = 0; t < 14; t++) g.set(s, t, 31, s === 1 && t >= 5 ? 30 : 95, 100);
    // intervals 14..19: nothing has left the segments yet
    const [e] = new BottleneckDetector().detect(g);
    expect(e!.ongoing).toBe(true);
    const strict = new BottleneckDetector({ ...DEFAULT_BOTTLENECK, staleAfter: 4 });
    expect(strict.detect(g)[0]!.ongoing).toBe(false);
  });

  test("thresholds come from the operator's CONTROL_BOTTLENECK_* settings", () => {
    const cfg = bottleneckConfig(loadConfig({ CONTROL_BOTTLENECK_DROP_KMH: "20", CONTROL_BOTTLENECK_SPEED_KMH: "70" }).control.bottleneck);
    expect(cfg).toMatchObject({ dropKmh: 20, upstreamMaxKmh: 70, slowKmh: 70, window: 7, minActive: 5 });
    expect(bottleneckConfig(loadConfig({}).control.bottleneck)).toEqual(DEFAULT_BOTTLENECK);
    expect(() => loadConfig({ CONTROL_BOTTLENECK_MIN_ACTIVE: "8" })).toThrow(/MIN_ACTIVE/);
  });
});
