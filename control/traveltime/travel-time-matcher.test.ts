import { describe, expect, test } from "bun:test";
import { SegmentNetwork } from "../network/segment-network.ts";
import { PassageColumns } from "./passage-columns.ts";
import { TravelTimeMatcher } from "./travel-time-matcher.ts";

// Southbound chain A(km 10) -> B(km 20) -> C(km 25).
const net = new SegmentNetwork(
  [
    { id: "01F0100S", km: 10 },
    { id: "01F0200S", km: 20 },
    { id: "01F0250S", km: 25 },
  ],
  [
    { fromGantry: "01F0100S", toGantry: "01F0200S", freeway: "01F", direction: "S", lengthKm: 10, freeFlowKmh: 100 },
    { fromGantry: "01F0200S", toGantry: "01F0250S", freeway: "01F", direction: "S", lengthKm: 5, freeFlowKmh: 100 },
  ],
);
const T0 = Date.parse("2026-11-26T00:00:00Z");
const AB = net.segment("01F0100S", "01F0200S");

function passages(list: [number, string, string, number][]): PassageColumns {
  const cols = new PassageColumns(net, 2);
  for (const [s, g, v, c] of [...list].sort((a, b) => a[0] - b[0])) cols.push(T0 + s * 1000, g, v, c);
  return cols;
}

describe("TravelTimeMatcher", () => {
  test("median, space-mean speed and volume per entry interval, segment and class", () => {
    const list: [number, string, string, number][] = [];
    // 9 cars over A->B (10 km) at 300..380 s, entering in the first interval.
    for (let i = 0; i < 9; i++) list.push([i * 10, "01F0100S", `car${i}`, 31], [i * 10 + 300 + i * 10, "01F0200S", `car${i}`, 31]);
    const r = new TravelTimeMatcher(net).compute(passages(list), T0, T0 + 10 * 60_000);
    expect(r.stats).toHaveLength(1);
    const s = r.stats[0]!;
    expect(s.bucketMs).toBe(T0);
    expect(s.segment).toBe(AB);
    expect(s.vehicleClass).toBe(31);
    expect(s.volume).toBe(9);
    expect(s.medianTravelTimeS).toBe(340);
    // mean travel time 340 s over 10 km -> 105.88 km/h (harmonic mean of the speeds)
    expect(s.spaceMeanSpeedKmh).toBeCloseTo(36000 / 340, 6);
  });

  test("service-area stops and exit/re-entry are rejected without biasing the median", () => {
    const list: [number, string, string, number][] = [];
    for (let i = 0; i < 6; i++) list.push([i, "01F0100S", `car${i}`, 31], [i + 360, "01F0200S", `car${i}`, 31]);
    // three long stops (20, 25, 40 minutes) and one impossible 200 km/h
    list.push([1, "01F0100S", "stop1", 31], [1 + 1200, "01F0200S", "stop1", 31]);
    list.push([2, "01F0100S", "stop2", 31], [2 + 1500, "01F0200S", "stop2", 31]);
    list.push([3, "01F0100S", "stop3", 31], [3 + 2400, "01F0200S", "stop3", 31]);
    list.push([4, "01F0100S", "clone", 31], [4 + 180, "01F0200S", "clone", 31]);
    const r = new TravelTimeMatcher(net).compute(passages(list), T0, T0 + 5 * 60_000);
    expect(r.stats).toHaveLength(1);
    expect(r.stats[0]!.volume).toBe(6);
    expect(r.stats[0]!.medianTravelTimeS).toBe(360);
    expect(r.rejected).toBe(4);
  });

  test("trucks slower than cars in the same interval are kept (pooled reference with slack)", () => {
    const list: [number, string, string, number][] = [];
    for (let i = 0; i < 10; i++) list.push([i, "01F0100S", `car${i}`, 31], [i + 340, "01F0200S", `car${i}`, 31]);
    for (let i = 0; i < 2; i++) list.push([i, "01F0100S", `truck${i}`, 42], [i + 450, "01F0200S", `truck${i}`, 42]);
    const r = new TravelTimeMatcher(net).compute(passages(list), T0, T0 + 5 * 60_000);
    const truck = r.stats.find((s) => s.vehicleClass === 42)!;
    expect(truck.volume).toBe(2);
    expect(truck.medianTravelTimeS).toBe(450);
  });

  test("only consecutive reads on a segment match; entries outside the window are left out", () => {
    const list: [number, string, string, number][] = [
      // skipped B: A -> C is not a segment
      [0, "01F0100S", "x", 31],
      [500, "01F0250S", "x", 31],
      // entry before the window
      [-10, "01F0100S", "early", 31],
      [330, "01F0200S", "early", 31],
      // B -> C inside the window, entry at 330 s (second interval)
      [510, "01F0250S", "early", 31],
      // plate-only vehicle keyed by plate
      [20, "01F0200S", "plate:ABC-1234", 32],
      [200, "01F0250S", "plate:ABC-1234", 32],
    ];
    const r = new TravelTimeMatcher(net).compute(passages(list), T0, T0 + 10 * 60_000);
    const keys = r.stats.map((s) => `${net.segments[s.segment]!.fromGantry}>${s.vehicleClass}@${(s.bucketMs - T0) / 60000}`).sort();
    expect(keys).toEqual(["01F0200S>31@5", "01F0200S>32@0"]);
  });

  test("unsorted input is matched in time order", () => {
    const cols = new PassageColumns(net);
    cols.push(T0 + 400_000, "01F0200S", "v", 31);
    cols.push(T0, "01F0100S", "v", 31);
    const r = new TravelTimeMatcher(net).compute(cols, T0, T0 + 5 * 60_000);
    expect(r.stats[0]!.medianTravelTimeS).toBe(400);
  });

  test("a small interval is judged against the segment's recent median (rolling reference)", () => {
    const list: [number, string, string, number][] = [];
    // first interval: 8 cars at 360 s; second interval: one car at 370 s and one that stops 20 min
    for (let i = 0; i < 8; i++) list.push([i, "01F0100S", `car${i}`, 31], [i + 360, "01F0200S", `car${i}`, 31]);
    list.push([310, "01F0100S", "next", 31], [310 + 370, "01F0200S", "next", 31]);
    list.push([320, "01F0100S", "stop", 31], [320 + 1200, "01F0200S", "stop", 31]);
    const r = new TravelTimeMatcher(net).compute(passages(list), T0, T0 + 10 * 60_000);
    const second = r.stats.find((s) => s.bucketMs === T0 + 300_000)!;
    expect(second.volume).toBe(1);
    expect(second.medianTravelTimeS).toBe(370);

    // two vehicles that agree (both slowed to ~1000 s) are not second-guessed by the earlier median
    const slowed = list.filter((p) => p[2] !== "stop" && p[2] !== "next");
    slowed.push([310, "01F0100S", "s1", 31], [310 + 1000, "01F0200S", "s1", 31], [330, "01F0100S", "s2", 31], [330 + 1100, "01F0200S", "s2", 31]);
    const r2 = new TravelTimeMatcher(net).compute(passages(slowed), T0, T0 + 10 * 60_000);
    expect(r2.stats.find((s) => s.bucketMs === T0 + 300_000)!.volume).toBe(2);
  });
});
