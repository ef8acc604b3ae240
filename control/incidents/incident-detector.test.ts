import { describe, expect, test } from "bun:test";
import { SegmentNetwork } from "../network/segment-network.ts";
import { type DetectedIncident, IncidentDetector } from "./incident-detector.ts";
import { TravelTimeProfile } from "./travel-time-profile.ts";

/*
 * Five gantries 2 km apart (four segments, 72 s each at the 100 km/h free-flow speed the empty
 * profile falls back to). A car enters at G0 every 3 s and drives to G4; every 5th leaves the
 * freeway after G1 (so 20 % of G1's vehicles are never read at G2, as at an interchange); another
 * joins between G2 and G3 every 10 s.
 */
const G = ["01F0100S", "01F0120S", "01F0140S", "01F0160S", "01F0180S"];
const net = new SegmentNetwork(
  G.map((id, i) => ({ id, km: 10 + 2 * i })),
  G.slice(0, -1).map((id, i) => ({ fromGantry: id, toGantry: G[i + 1]!, freeway: "01F", direction: "S", lengthKm: 2, freeFlowKmh: 100 })),
);
const T0 = Date.parse("2026-11-26T10:00:00+08:00");
const MIN = 60_000;

interface Scenario {
  /** Seconds to drive segment s for a vehicle entering it at t. */
  segmentS?: (s: number, t: number) => number;
  /** Whether gantry g reads at t. */
  reads?: (g: number, t: number) => boolean;
  minutes: number;
  /** Seconds between cars entering at G0 (3 s: 1 200 an hour). */
  headwayS?: number;
}

function run(sc: Scenario): { alarms: DetectedIncident[]; changes: { at: number; inc: DetectedIncident; status: string }[]; detector: IncidentDetector } {
  const detector = new IncidentDetector(net, new TravelTimeProfile(net, [], 8 * 3600_000));
  const reads: { t: number; g: number; v: string }[] = [];
  const end = T0 + sc.minutes * MIN;
  for (let n = 0, t = T0; t < end; n++, t += (sc.headwayS ?? 3) * 1000) {
    let at = t;
    for (let g = 0; g < G.length; g++) {
      if (sc.reads?.(g, at) ?? true) reads.push({ t: at, g: net.gantry(G[g]!), v: `E2801160000000000000${String(n).padStart(4, "0")}` });
      if (g === 1 && n % 5 === 0) break;
      if (g < G.length - 1) at += (sc.segmentS?.(g, at) ?? 72) * 1000 * (0.95 + ((n * 7919) % 100) / 1000);
    }
  }
  // An on-ramp between G2 and G3: a car every 10 s read first at G3.
  for (let n = 0, t = T0; t < end; n++, t += 10_000) {
    const v = `E2801160000000000001${String(n).padStart(4, "0")}`;
    if (sc.reads?.(3, t) ?? true) reads.push({ t, g: net.gantry(G[3]!), v });
    reads.push({ t: t + 72_000, g: net.gantry(G[4]!), v });
  }
  reads.sort((a, b) => a.t - b.t);
  const alarms = new Map<number, DetectedIncident>();
  const changes: { at: number; inc: DetectedIncident; status: string }[] = [];
  let next = T0 + 30_000;
  const evaluate = (at: number) => {
    for (const inc of detector.evaluate(at)) {
      alarms.set(inc.key, inc);
      changes.push({ at, inc, status: inc.status });
    }
  };
  for (const r of reads) {
    while (r.t >= next) {
      evaluate(next);
      next += 30_000;
    }
    detector.observe(r.t, r.g, r.v, 0);
  }
  return { alarms: [...alarms.values()], changes, detector };
}

describe("IncidentDetector", () => {
  test("free flow with 20 % of vehicles leaving between two gantries: no alarm; the exits are the segment's base overdue share", () => {
    const { alarms, detector } = run({ minutes: 90 });
    expect(alarms).toEqual([]);
    const s1 = detector.segmentState(1);
    expect(s1.overdueShare).toBeGreaterThan(0.15);
    expect(s1.overdueShare).toBeLessThan(0.3);
    expect(s1.requiredRun).toBeGreaterThanOrEqual(12);
    expect(detector.segmentState(2).overdueShare).toBeLessThan(0.05);
  });

  test("a quiet segment (a car every 20 s) needs a shorter run than a busy one (a car a second) for the same false alarms per hour; neither alarms", () => {
    const b = run({ minutes: 90, headwayS: 1 });
    const q = run({ minutes: 90, headwayS: 20 });
    expect([...b.alarms, ...q.alarms]).toEqual([]);
    const busy = b.detector.segmentState(1);
    const quiet = q.detector.segmentState(1);
    expect(busy.entriesPerHour).toBeCloseTo(3600, -2);
    expect(quiet.entriesPerHour).toBeCloseTo(180, -1);
    expect(quiet.requiredRun).toBeLessThan(busy.requiredRun);
    expect(quiet.requiredRun).toBeGreaterThanOrEqual(8);
  });

  test("a blocked segment is raised within free-flow time + 2 min, its queue upstream joins it, confirmed, cleared once vehicles flow again", () => {
    const start = T0 + 40 * MIN;
    const stop = start + 20 * MIN;
    const { alarms, changes } = run({
      minutes: 90,
      segmentS: (s, t) => {
        if (s === 2 && t >= start && t < stop) return 600;
        if (s === 1 && t >= start + 2 * MIN && t < stop) return 240;
        return 72;
      },
    });
    expect(alarms).toHaveLength(1);
    const inc = alarms[0]!;
    expect(inc.head).toBe(2);
    expect(inc.raisedAtMs - start).toBeLessThanOrEqual((72 + 120) * 1000);
    expect(inc.startedAtMs).toBeGreaterThanOrEqual(start);
    expect(inc.segments.sort()).toEqual([1, 2]);
    expect(inc.extentUpstreamKm).toBe(2);
    expect(inc.confirmedAtMs! - inc.raisedAtMs).toBe(180_000);
    expect(inc.status).toBe("cleared");
    expect(inc.clearedAtMs!).toBeGreaterThan(stop);
    expect(inc.clearedAtMs! - stop).toBeLessThan(10 * MIN);
    expect(inc.severity).toBe("severe");
    expect(changes.map((c) => c.status).filter((s, i, a) => s !== a[i - 1])).toEqual(["raised", "confirmed", "cleared"]);
  });

  test("a gantry that stops reading is not an incident on the segment before it (its vehicles are read at the next one)", () => {
    const { alarms } = run({ minutes: 90, reads: (g, t) => !(g === 3 && t >= T0 + 40 * MIN) });
    expect(alarms).toEqual([]);
  });

  test("a closure with nothing reaching the next gantry is raised once its first vehicle would have passed the gantry after it too", () => {
    const start = T0 + 40 * MIN;
    const { alarms } = run({
      minutes: 70,
      segmentS: (s, t) => (s === 2 && t >= start && t < start + 20 * MIN ? 1200 : 72),
      reads: (g, t) => !(g === 3 && t >= start && t < start + 20 * MIN),
    });
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.head).toBe(2);
    expect(alarms[0]!.raisedAtMs - start).toBeLessThanOrEqual((72 + 72 + 120) * 1000);
  });

  test("a day getting slower than the profile (to x 1.6 over 30 min, as demand builds) is absorbed by today's ratio: no alarm", () => {
    const ramp = (t: number) => 1 + 0.6 * Math.min(1, Math.max(0, (t - T0 - 20 * MIN) / (30 * MIN)));
    const { alarms, detector } = run({ minutes: 90, segmentS: (_s, t) => 72 * ramp(t) });
    expect(alarms).toEqual([]);
    expect(detector.segmentState(2).ratio).toBeGreaterThan(1.4);
  });
});
