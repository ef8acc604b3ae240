import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { checkRead } from "../protocol/tr1.ts";
import { classIndex, VEHICLE_CLASSES } from "../../core/vehicle/vehicle-class.ts";
import { SLOT_MS, TrafficData } from "./traffic-data.ts";
import { median } from "./ground-truth.ts";
import type { SimulatedRead } from "./simulated-read.ts";
import { generateReads, type TrafficModelOptions } from "./traffic-model.ts";
import { registeredTagPool } from "./vehicle-identities.ts";

// Loading the real network and TDCS days takes seconds on a loaded 2-core machine.
setDefaultTimeout(60_000);

let data: TrafficData;
let freeway1: TrafficData;
beforeAll(() => {
  data = TrafficData.load();
  freeway1 = TrafficData.load({ freeways: ["01F"] });
}, 60_000);

const morning = Date.parse("2024-03-25T07:00:00+08:00");
const run = (o: Omit<TrafficModelOptions, "data"> & { data?: TrafficData }) => {
  const { reads, truth } = generateReads({ data, ...o });
  const list: SimulatedRead[] = [...reads];
  return { list, truth };
};

describe("traffic data", () => {
  test("derives chains covering every segment of the real network, each once", () => {
    const seen = data.chains.flatMap((c) => c.segments);
    expect(new Set(seen).size).toBe(data.segments.length);
    expect(seen.length).toBe(data.segments.length);
    for (const c of data.chains) {
      c.segments.forEach((s, i) => {
        expect(data.segments[s]!.fromGantry).toBe(c.gantries[i]!);
        expect(data.segments[s]!.toGantry).toBe(c.gantries[i + 1]!);
      });
    }
  });

  test("takes travel times from M04A where it has them and falls back elsewhere", () => {
    // Keelung end, northbound, 07:00, cars: the file's own row says 44 s at midnight; at 07:00 it has data.
    const s = data.segmentIndex.get("01F0017N>01F0005N")!;
    expect(data.travelTimeSource(s, 84, classIndex(31))).toBe("m04a");
    // 01F3525N>01F3460N is 01F3535N>01F3460N in the M04A day (the gantry's 2024 id): the same site,
    // so the real travel times reach it.
    const missing = data.segmentIndex.get("01F3525N>01F3460N")!;
    expect(data.travelTimeSource(missing, 84, 0)).toBe("m04a");
    const kmh = (data.segments[missing]!.lengthKm / data.travelTimeSeconds(missing, 84, 0)) * 3600;
    expect(kmh).toBeGreaterThan(5);
    expect(kmh).toBeLessThan(150);
  });

  test("demand shape has the morning peak above the night", () => {
    const at = (h: number) => data.demandShape[h * 12]!;
    expect(at(8)).toBeGreaterThan(3 * at(3));
    const mean = data.demandShape.reduce((a, b) => a + b, 0) / data.demandShape.length;
    expect(mean).toBeCloseTo(1, 6);
  });
});

describe("traffic model", () => {
  test("is deterministic for a seed and differs for another seed", () => {
    const a = run({ startMs: morning, durationMs: 600_000, seed: 7, vehiclesPerHour: 3000, malformedRate: 0.02 });
    const b = run({ startMs: morning, durationMs: 600_000, seed: 7, vehiclesPerHour: 3000, malformedRate: 0.02 });
    const c = run({ startMs: morning, durationMs: 600_000, seed: 8, vehiclesPerHour: 3000, malformedRate: 0.02 });
    expect(a.list.length).toBeGreaterThan(1000);
    expect(JSON.stringify(b.list)).toBe(JSON.stringify(a.list));
    expect(JSON.stringify(c.list)).not.toBe(JSON.stringify(a.list));
  });

  test("emits reads in time order, valid where not malformed, and the truth accounts for each", () => {
    const { list, truth } = run({ startMs: morning, durationMs: 900_000, seed: 3, vehiclesPerHour: 6000, malformedRate: 0.03 });
    for (let i = 1; i < list.length; i++) expect(list[i]!.tsMs).toBeGreaterThanOrEqual(list[i - 1]!.tsMs);
    const gantries = new Set(data.gantries.map((g) => g.id));
    let passages = 0;
    for (const r of list) {
      expect(gantries.has(r.gantryId)).toBe(true);
      if (r.kind === "malformed") continue;
      if (r.kind === "passage") passages++;
      expect(r.read.tag === undefined ? /^[A-Z]{3}-\d{4}$/.test(r.read.plate!) : /^[0-9A-F]{24}$/.test(r.read.tag)).toBe(true);
      expect(new Date(r.read.ts).getTime()).toBe(r.tsMs);
      expect((VEHICLE_CLASSES as readonly number[]).includes(r.read.class)).toBe(true);
      expect(r.read.lane).toBeGreaterThanOrEqual(1);
    }
    expect(truth.passages).toBe(passages);
    expect(truth.reads).toBe(list.length);
    const counted = truth.countRows().reduce((a, r) => a + r.volume, 0);
    expect(counted).toBe(passages);
    // Every trip has one more passage than segments driven.
    expect(truth.passages).toBe(truth.trips + truth.travelTimes.length);
  });

  test("class mix and tag share follow the data within tolerance", () => {
    const { truth } = run({ startMs: morning, durationMs: 3_600_000, seed: 11, vehiclesPerHour: 20_000, collectTravelTimes: false });
    expect(truth.trips).toBeGreaterThan(15_000);
    // Expected mix: the data's class shares over 07:00-08:00, weighted by volume.
    const expected = VEHICLE_CLASSES.map(() => 0);
    let total = 0;
    for (let slot = 84; slot < 96; slot++) {
      for (let c = 0; c < 5; c++) expected[c]! += data.classShare[slot * 5 + c]! * data.demandShape[slot]!;
      total += data.demandShape[slot]!;
    }
    VEHICLE_CLASSES.forEach((cls, c) => {
      const share = truth.tripsByClass[cls]! / truth.trips;
      expect(Math.abs(share - expected[c]! / total)).toBeLessThan(0.01);
    });
    expect(Math.abs(truth.taggedTrips / truth.trips - 0.94)).toBeLessThan(0.01);
    expect(Math.abs(truth.taggedPassages / truth.passages - 0.94)).toBeLessThan(0.01);
  });

  test("travel-time groups of 20+ vehicles sit within 5 % of the source median", () => {
    const { truth } = run({ data: freeway1, startMs: morning, durationMs: 3_600_000, seed: 5, vehiclesPerHour: 12_000 });
    const groups = truth.travelTimeGroups(20);
    expect(groups.length).toBeGreaterThan(100);
    for (const g of groups) {
      expect(Math.abs(g.medianSeconds / g.sourceMedianSeconds - 1)).toBeLessThan(0.05);
      // The source median is the real M04A value for that interval and class where the row exists.
      const s = freeway1.segmentIndex.get(`${g.fromGantry}>${g.toGantry}`)!;
      const slot = Math.floor(((g.bucketMs + 8 * 3_600_000) % 86_400_000) / SLOT_MS);
      expect(g.sourceMedianSeconds).toBeCloseTo(freeway1.travelTimeSeconds(s, slot, classIndex(g.vehicleClass)), 3);
    }
    // Spread is real: individual vehicles differ from the median.
    const dev = truth.travelTimes.map((r) => Math.abs(Math.log(r.seconds / r.medianSeconds)));
    expect(median(dev)).toBeGreaterThan(0.02);
    // Each record's seconds is exactly the difference of its two reads' timestamps.
    for (const r of truth.travelTimes.slice(0, 500)) expect(r.seconds).toBe((r.arriveMs - r.departMs) / 1000);
  });

  test("duplicates and malformed reads come at the configured rates", () => {
    const { list, truth } = run({
      startMs: morning,
      durationMs: 1_800_000,
      seed: 9,
      vehiclesPerHour: 12_000,
      duplicateRate: 0.2,
      malformedRate: 0.05,
      collectTravelTimes: false,
    });
    // 1-2 extra reads (mean 1.5) for 20 % of passages.
    expect(Math.abs(truth.duplicates / truth.passages - 0.3)).toBeLessThan(0.02);
    expect(Math.abs(truth.malformedTotal / list.length - 0.05)).toBeLessThan(0.005);
    for (const k of ["bad_tag", "bad_class", "no_id", "bad_ts"] as const) expect(truth.malformed[k]).toBeGreaterThan(truth.malformedTotal / 6);
    // A duplicate repeats its vehicle at the same gantry within a few seconds.
    const firstSeen = new Map<string, number>();
    for (const r of list) {
      const id = `${r.gantryId}|${r.read.tag ?? r.read.plate}`;
      if (r.kind === "passage") firstSeen.set(id, r.tsMs);
      if (r.kind === "duplicate") {
        const dt = r.tsMs - firstSeen.get(id)!;
        expect(dt).toBeGreaterThan(0);
        expect(dt).toBeLessThanOrEqual(3000);
      }
    }
    // The TR1 read checker the ingest uses rejects exactly the malformed ones.
    for (const r of list) expect(checkRead(r.read).ok).toBe(r.kind !== "malformed");
  });

  test("uses registered tags of the right class and never reuses one within the cooldown", () => {
    const pool = registeredTagPool(8000, 4, data.dailyClassShare());
    const classOf = new Map(pool.map((t) => [t.tag, t.vehicleClass]));
    const { list, truth } = run({ startMs: morning, durationMs: 1_800_000, seed: 4, vehiclesPerHour: 8000, registeredTags: pool });
    expect(truth.registeredPassages).toBeGreaterThan(truth.passages * 0.6);
    const lastSeen = new Map<string, number>();
    for (const r of list) {
      if (r.kind !== "passage" || !r.read.tag || !classOf.has(r.read.tag)) continue;
      expect(r.read.class).toBe(classOf.get(r.read.tag)!);
      lastSeen.set(r.read.tag, r.tsMs);
    }
    // Same tag at the same gantry twice would be merged as an antenna duplicate by the ingest.
    const seen = new Set<string>();
    for (const r of list) {
      if (r.kind !== "passage") continue;
      const id = `${r.gantryId}|${r.read.tag ?? r.read.plate}`;
      expect(seen.has(id)).toBe(false);
      seen.add(id);
    }
    expect(new Set(pool.map((t) => t.plate)).size).toBe(pool.length);
  });

  test("gapTrips counts trips the way a builder splitting at tripGapMs without a read sees them", () => {
    // Real M04A medians can exceed the 30-min gap (freeway 1, 01F0061S>01F0099S, trailers: 1942 s);
    // a 2-min gap makes such slow segments common here.
    const tripGapMs = 120_000;
    const { list, truth } = run({ data: freeway1, startMs: morning, durationMs: 900_000, seed: 5, vehiclesPerHour: 6000, duplicateRate: 0.1, tripGapMs });
    const byVehicle = new Map<string, number[]>();
    for (const r of list) {
      if (r.kind !== "passage") continue;
      const k = r.read.tag ?? `plate:${r.read.plate}`;
      const ts = byVehicle.get(k);
      if (ts) ts.push(r.tsMs);
      else byVehicle.set(k, [r.tsMs]);
    }
    let split = 0;
    for (const ts of byVehicle.values()) {
      split++;
      for (let i = 1; i < ts.length; i++) if (ts[i]! - ts[i - 1]! > tripGapMs) split++;
    }
    expect(truth.gapTrips).toBe(split);
    expect(truth.gapTrips).toBeGreaterThan(truth.trips);
    expect(() => run({ startMs: morning, tripGapMs: 3_600_000 })).toThrow(/tripGapMs/);
  });

  test("an incident slows its segment and the queue upstream, not downstream", () => {
    const segment = "01F0264S>01F0293S";
    const startMs = morning + 20 * 60_000;
    const endMs = morning + 50 * 60_000;
    const { truth } = run({
      data: freeway1,
      startMs: morning,
      durationMs: 3_600_000,
      seed: 12,
      vehiclesPerHour: 12_000,
      incidents: [{ segment, startMs, endMs, speedKmh: 30, upstreamSegments: 2, upstreamSpeedKmh: 45 }],
    });
    const chain = freeway1.chains.find((c) => c.gantries.includes("01F0264S"))!;
    const pos = chain.gantries.indexOf("01F0264S");
    const segAt = (k: number) => `${chain.gantries[pos + k]}>${chain.gantries[pos + k + 1]}`;
    const speedDuring = (seg: string) => {
      const [from, to] = seg.split(">");
      const len = freeway1.segments[freeway1.segmentIndex.get(seg)!]!.lengthKm;
      const rs = truth.travelTimes.filter((r) => r.fromGantry === from && r.toGantry === to && r.departMs >= startMs + 10 * 60_000 && r.departMs < endMs);
      expect(rs.length).toBeGreaterThan(20);
      return (len / median(rs.map((r) => r.seconds))) * 3600;
    };
    const at = speedDuring(segAt(0));
    expect(at).toBeGreaterThan(25);
    expect(at).toBeLessThan(35);
    for (const k of [-1, -2]) {
      const up = speedDuring(segAt(k));
      expect(up).toBeLessThan(64);
      expect(up).toBeGreaterThan(at);
    }
    // The PeMS test: a drop of more than 32 km/h to the downstream segment.
    expect(speedDuring(segAt(1)) - at).toBeGreaterThan(32);
    expect(speedDuring(segAt(-3))).toBeGreaterThan(64);
    // Before the incident the segment was free-flowing.
    const before = truth.travelTimes.filter((r) => `${r.fromGantry}>${r.toGantry}` === segment && r.departMs < startMs);
    expect(before.every((r) => r.source !== "incident")).toBe(true);
  });

  test("an incident holds the vehicles already short of its point, not those past it; the queue holds those on its segment", () => {
    const segment = "01F0264S>01F0293S";
    const startMs = morning + 20 * 60_000;
    const queueFrom = startMs + 2 * 60_000;
    // Free flow without spread: a vehicle's planned time is exactly its median, so the test can plan it too.
    const { truth } = run({
      data: freeway1,
      startMs: morning,
      durationMs: 1_800_000,
      seed: 21,
      vehiclesPerHour: 12_000,
      speeds: "free-flow",
      travelTimeSpread: 0,
      incidents: [{ segment, startMs, endMs: startMs + 20 * 60_000, speedKmh: 30, upstreamSegments: 1, upstreamSpeedKmh: 45, atFraction: 0.5 }],
    });
    const chain = freeway1.chains.find((c) => c.gantries.includes("01F0264S"))!;
    const pos = chain.gantries.indexOf("01F0264S");
    const check = (from: string, to: string, at: number, point: number, kmh: number) => {
      const len = freeway1.segments[freeway1.segmentIndex.get(`${from}>${to}`)!]!.lengthKm;
      let held = 0;
      let past = 0;
      for (const r of truth.travelTimes) {
        if (r.fromGantry !== from || r.toGantry !== to || r.departMs >= at) continue;
        const planned = r.departMs + Math.max(1, Math.round(r.medianSeconds * 1000));
        if (planned <= at) continue;
        const covered = (at - r.departMs) / (planned - r.departMs);
        if (covered < point) {
          held++;
          expect(r.source).toBe("held");
          expect(r.arriveMs).toBe(at + Math.round((((1 - covered) * len) / kmh) * 3_600_000));
          // Its later reads shift by the hold: the next segment starts when it leaves this one.
          const next = truth.travelTimes.find((n) => n.vehicle === r.vehicle && n.fromGantry === to && n.departMs >= r.departMs);
          if (next) expect(next.departMs).toBe(r.arriveMs);
        } else {
          past++;
          expect(r.source).toBe("default");
          expect(r.arriveMs).toBe(planned);
        }
      }
      return { held, past };
    };
    const [a, b, c] = [chain.gantries[pos - 1]!, chain.gantries[pos]!, chain.gantries[pos + 1]!];
    const atIncident = check(b, c, startMs, 0.5, 30);
    expect(atIncident.held).toBeGreaterThan(5);
    expect(atIncident.past).toBeGreaterThan(5);
    const onQueue = check(a, b, queueFrom, 1, 45);
    expect(onQueue.held).toBeGreaterThan(5);
    expect(onQueue.past).toBe(0);
    expect(() => generateReads({ data: freeway1, startMs: morning, incidents: [{ segment, startMs, endMs: startMs + 1, atFraction: 1.5 }] })).toThrow(
      /atFraction/,
    );
  });

  test("free-flow speeds ignore the real day's congestion", () => {
    const { truth } = run({ data: freeway1, startMs: morning, durationMs: 600_000, seed: 13, vehiclesPerHour: 4000, speeds: "free-flow" });
    expect(truth.travelTimes.length).toBeGreaterThan(500);
    for (const r of truth.travelTimes) {
      expect(r.source).toBe("default");
      const len = freeway1.segments[freeway1.segmentIndex.get(`${r.fromGantry}>${r.toGantry}`)!]!.lengthKm;
      expect((len / r.medianSeconds) * 3600).toBeGreaterThan(79.99);
    }
  });

  test("rejects an incident on a segment outside the network", () => {
    expect(() =>
      generateReads({ data: freeway1, startMs: morning, incidents: [{ segment: "03F0087S>03F0116S", startMs: morning, endMs: morning + 1 }] }),
    ).toThrow(/not a segment/);
  });
});
