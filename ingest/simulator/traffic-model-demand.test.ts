import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { TravelTimeRecord } from "./ground-truth.ts";
import type { SimulatedRead } from "./simulated-read.ts";
import { TrafficData } from "./traffic-data.ts";
import { generateReads, type TrafficModelOptions } from "./traffic-model.ts";

setDefaultTimeout(60_000);

// 01F northbound Zhongli-Taoyuan: four consecutive segments, the second one the bottleneck / priced.
const GANTRIES = ["01F0584N", "01F0557N", "01F0532N", "01F0511N", "01F0492N"];
const PRICED = "01F0557N>01F0532N";
const morning = Date.parse("2024-03-25T07:00:00+08:00");
const MIN = 60_000;

let data: TrafficData;
beforeAll(() => {
  data = TrafficData.load({ gantryIds: GANTRIES, atMs: morning });
}, 60_000);

const run = (o: Omit<TrafficModelOptions, "data" | "startMs"> & { startMs?: number }) => {
  const { reads, truth } = generateReads({ data, startMs: morning, durationMs: 30 * MIN, vehiclesPerHour: 4000, seed: 3, ...o });
  const list: SimulatedRead[] = [...reads];
  return { list, truth };
};

const onSegment = (records: readonly TravelTimeRecord[], key: string) => records.filter((r) => `${r.fromGantry}>${r.toGantry}` === key);

describe("traffic model: bottlenecks", () => {
  test("a bottleneck serves at most its capacity and its wait pushes the vehicle's later reads", () => {
    const free = run({});
    const { list, truth } = run({ capacities: [{ segment: PRICED, vehiclesPerHour: 1800 }] });
    const served = onSegment(truth.travelTimes, PRICED);
    const times = served.map((r) => r.arriveMs).sort((a, b) => a - b);
    // 1800/h is one vehicle per 2 s: any minute holds at most 30 (+1 for a window starting mid-slot).
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i]! - times[j]! >= MIN) j++;
      expect(i - j + 1).toBeLessThanOrEqual(31);
    }
    expect(served.filter((r) => r.source === "bottleneck").length).toBeGreaterThan(served.length / 2);
    for (const r of served) expect(r.seconds).toBeGreaterThanOrEqual(r.medianSeconds * 0.7);
    const meanS = (xs: TravelTimeRecord[]) => xs.reduce((a, r) => a + r.seconds, 0) / xs.length;
    expect(meanS(served)).toBeGreaterThan(2 * meanS(onSegment(free.truth.travelTimes, PRICED)));
    // The next segment starts where the queue released the vehicle, and the reads say so.
    const arrivals = new Map(served.map((r) => [r.vehicle, r.arriveMs]));
    let next = 0;
    for (const r of onSegment(truth.travelTimes, "01F0532N>01F0511N")) {
      if (!arrivals.has(r.vehicle)) continue;
      expect(r.departMs).toBe(arrivals.get(r.vehicle)!);
      next++;
    }
    expect(next).toBeGreaterThan(100);
    const readAt = new Set(list.filter((r) => r.gantryId === "01F0532N" && r.kind === "passage").map((r) => `${r.read.tag ?? r.read.plate}|${r.tsMs}`));
    for (const r of served) expect(readAt.has(`${r.vehicle}|${r.arriveMs}`)).toBe(true);
    // Time order still holds with the delays.
    for (let i = 1; i < list.length; i++) expect(list[i]!.tsMs).toBeGreaterThanOrEqual(list[i - 1]!.tsMs);
  });

  test("rejects a capacity on a segment outside the network, given twice, or not positive", () => {
    expect(() => run({ capacities: [{ segment: "01F0005S>01F0017S", vehiclesPerHour: 1000 }] })).toThrow(/not a segment/);
    expect(() =>
      run({
        capacities: [
          { segment: PRICED, vehiclesPerHour: 1000 },
          { segment: PRICED, vehiclesPerHour: 2000 },
        ],
      }),
    ).toThrow(/twice/);
    expect(() => run({ capacities: [{ segment: PRICED, vehiclesPerHour: 0 }] })).toThrow(/positive/);
  });
});

describe("traffic model: demand response", () => {
  test("without a price above 1000 the reads are those of a model without demand response", () => {
    const plain = run({ seed: 8 });
    const calls: number[] = [];
    const priced = run({
      seed: 8,
      demandResponse: {
        announcedPermille: (_s, t) => {
          calls.push(t);
          return 1000;
        },
      },
    });
    expect(JSON.stringify(priced.list)).toBe(JSON.stringify(plain.list));
    expect(calls.length).toBeGreaterThan(plain.truth.trips);
    expect(priced.truth.diverted + priced.truth.shifted).toBe(0);
  });

  test("keeps the priced section with probability (m/1000)^elasticity, else diverts before it", () => {
    const completions = (records: readonly TravelTimeRecord[]) => onSegment(records, PRICED).length;
    const base = run({ seed: 5 });
    const half = run({ seed: 5, demandResponse: { announcedPermille: (s) => (s === PRICED ? 2000 : 1000), elasticity: -1, shiftShare: 0 } });
    // (2000/1000)^-1: half the trips planning the priced segment keep it.
    expect(completions(half.truth.travelTimes) / completions(base.truth.travelTimes)).toBeCloseTo(0.5, 1);
    expect(half.truth.shifted).toBe(0);
    expect(half.truth.diverted).toBeGreaterThan(0);
    const none = run({ seed: 5, demandResponse: { announcedPermille: (s) => (s === PRICED ? 3000 : 1000), elasticity: -50, shiftShare: 0 } });
    expect(completions(none.truth.travelTimes)).toBe(0);
    // A diverted trip from upstream ends at the gantry before the priced section: 01F0557N still sees it.
    const fromUpstream = (l: SimulatedRead[]) => {
      const upstream = new Set(l.filter((r) => r.kind === "passage" && r.gantryId === "01F0584N").map((r) => r.read.tag ?? r.read.plate));
      return l.filter((r) => r.kind === "passage" && r.gantryId === "01F0557N" && upstream.has(r.read.tag ?? r.read.plate)).length;
    };
    expect(fromUpstream(none.list) / fromUpstream(base.list)).toBeGreaterThan(0.95);
    // Trips that would have started on the priced segment do not use the freeway at all.
    expect(none.truth.trips).toBeLessThan(base.truth.trips);
    expect(none.truth.diverted).toBeGreaterThan(base.truth.trips - none.truth.trips);
  });

  test("a shifted trip starts again later and decides again (deterred twice, it diverts)", () => {
    // Priced only for the first 10 minutes; every deterred trip shifts by 15-20 minutes.
    const until = morning + 10 * MIN;
    const announced = (s: string, t: number) => (s === PRICED && t < until ? 3000 : 1000);
    const shifted = run({ seed: 6, demandResponse: { announcedPermille: announced, elasticity: -50, shiftShare: 1, shiftMinutes: [15, 20] } });
    expect(shifted.truth.shifted).toBeGreaterThan(100);
    expect(shifted.truth.diverted).toBe(0);
    const priced = onSegment(shifted.truth.travelTimes, PRICED);
    // Nobody enters the priced section while it costs 3x; the shifted trips come back after it.
    expect(priced.filter((r) => r.departMs < until - 3 * MIN).length).toBe(0);
    const base = run({ seed: 6 });
    expect(priced.length / onSegment(base.truth.travelTimes, PRICED).length).toBeGreaterThan(0.95);
    // Still priced when they come back: deterred again, they divert.
    const always = run({ seed: 6, demandResponse: { announcedPermille: (s) => (s === PRICED ? 3000 : 1000), elasticity: -50, shiftShare: 1 } });
    expect(always.truth.diverted).toBeGreaterThan(0);
    expect(always.truth.diverted).toBeLessThanOrEqual(always.truth.shifted);
    expect(onSegment(always.truth.travelTimes, PRICED).length).toBe(0);
  });

  test("asks for a price only after every read up to the trip start was taken, and is deterministic", () => {
    const taken: number[] = [];
    const asked: { t: number; taken: number }[] = [];
    const o: TrafficModelOptions = {
      data,
      startMs: morning,
      durationMs: 20 * MIN,
      vehiclesPerHour: 3000,
      seed: 9,
      demandResponse: {
        announcedPermille: (s, t) => {
          asked.push({ t, taken: taken.length });
          return s === PRICED && t > morning + 5 * MIN ? 1500 : 1000;
        },
      },
    };
    for (const r of generateReads(o).reads) taken.push(r.tsMs);
    let k = 0;
    for (const a of asked) {
      // Every read at or before the trip start (ms rounding aside) was taken before the question.
      while (k < taken.length && taken[k]! <= a.t - 1) k++;
      expect(a.taken).toBeGreaterThanOrEqual(k);
    }
    const again = generateReads({
      ...o,
      demandResponse: { ...o.demandResponse!, announcedPermille: (s, t) => (s === PRICED && t > morning + 5 * MIN ? 1500 : 1000) },
    });
    const second = [...again.reads].map((r) => r.tsMs);
    expect(second).toEqual(taken);
  });

  test("rejects a bad elasticity, shift share or shift window", () => {
    const announcedPermille = () => 1000;
    expect(() => run({ demandResponse: { announcedPermille, elasticity: 0.3 } })).toThrow(/elasticity/);
    expect(() => run({ demandResponse: { announcedPermille, shiftShare: 1.5 } })).toThrow(/shiftShare/);
    expect(() => run({ demandResponse: { announcedPermille, shiftMinutes: [0, 10] } })).toThrow(/shiftMinutes/);
    expect(() => run({ demandResponse: { announcedPermille, shiftMinutes: [20, 10] } })).toThrow(/shiftMinutes/);
  });
});
