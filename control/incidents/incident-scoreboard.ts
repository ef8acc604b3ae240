import { CLASS_COUNT, classIndex, vehicleKey } from "../../core/vehicle/vehicle-class.ts";
import { Prng } from "../../ingest/simulator/prng.ts";
import type { TrafficData } from "../../ingest/simulator/traffic-data.ts";
import { type IncidentSpec, TrafficModel } from "../../ingest/simulator/traffic-model.ts";
import { SegmentNetwork } from "../network/segment-network.ts";
import type { IncidentConfig } from "./incident-config.ts";
import { type DetectedIncident, IncidentDetector } from "./incident-detector.ts";
import { type ProfileRow, SLOTS_PER_DAY, TravelTimeProfile } from "./travel-time-profile.ts";

/**
 * The detector's scoreboard: incidents injected into the traffic model on the real network and
 * demand, the model's passages fed to the same IncidentDetector the control job runs, evaluated
 * every `evalPeriodS` (30 s, the job's default period) of simulated time. Counts detection rate, time to detect (from the injected
 * start to the evaluation that first alarms the incident's segment) and false alarms per 1 000
 * segment-hours (alarms no injected incident explains, over every segment of the simulated time
 * after the warm-up).
 */
export interface ScoreboardWindow {
  /** Simulated start (after the warm-up). */
  startMs: number;
  durationMs: number;
  incidents: number;
  label?: string;
}

export interface ScoreboardOptions {
  data: TrafficData;
  windows: readonly ScoreboardWindow[];
  /** Trip starts per hour on the whole network (day mean); the real day is about 108 000. */
  vehiclesPerHour: number;
  seed?: number;
  config?: Partial<IncidentConfig>;
  evalPeriodS?: number;
  warmupMs?: number;
  /** Incidents last 20-40 min by default. */
  minDurationMs?: number;
  maxDurationMs?: number;
  /** Free-flow speed of every segment (road_segments.free_flow_kmh, 100 by default). */
  freeFlowKmh?: number;
  progress?: (line: string) => void;
}

export interface InjectedIncident extends IncidentSpec {
  window: string;
  freeFlowS: number;
  /** The car travel time the detector expected at the start (profile x today's ratio): above free flow in congestion. */
  expectedS: number;
  detected: boolean;
  timeToDetectS: number | null;
  alarm: number | null;
  /** The segment's base overdue share, speed ratio to the profile and run needed when it started. */
  stateAtStart: { overdueShare: number; ratio: number; requiredRun: number } | null;
  /** Passages at the incident segment's upstream gantry in the hour before. */
  entriesPerHour: number;
}

export interface Scoreboard {
  incidents: number;
  detected: number;
  detectionRate: number;
  meanTimeToDetectS: number;
  /** Mean over the detected incidents of free-flow time + 120 s: the acceptance bound. */
  meanFreeFlowPlus2MinS: number;
  falseAlarms: number;
  segmentHours: number;
  falseAlarmsPer1000SegmentHours: number;
  passages: number;
  updates: number;
  /** Mean evaluate() time per update on the simulated network (ms). */
  meanUpdateMs: number;
  perIncident: InjectedIncident[];
  falseAlarmList: { segment: string; raisedAt: string; overdue: number }[];
}

/** The profile the scoreboard judges by: the real day's medians the model drives by (as if imported from M04A). */
export function profileFromTrafficData(data: TrafficData, network: SegmentNetwork): TravelTimeProfile {
  function* rows(): Generator<ProfileRow> {
    for (const [s, seg] of data.segments.entries()) {
      const segment = network.segment(seg.fromGantry, seg.toGantry);
      for (let slot = 0; slot < SLOTS_PER_DAY; slot++) {
        for (let cls = 0; cls < CLASS_COUNT; cls++) yield { segment, slot, cls, travelTimeS: data.travelTimeSeconds(s, slot, cls) };
      }
    }
  }
  return new TravelTimeProfile(network, rows(), 8 * 3600_000);
}

export function networkOf(data: TrafficData, freeFlowKmh = 100): SegmentNetwork {
  return new SegmentNetwork(
    data.gantries.map((g) => ({ id: g.id, km: g.km })),
    data.segments.map((s) => ({ ...s, freeFlowKmh })),
  );
}

export function runScoreboard(o: ScoreboardOptions): Scoreboard {
  const data = o.data;
  const network = networkOf(data, o.freeFlowKmh);
  const profile = profileFromTrafficData(data, network);
  const evalMs = (o.evalPeriodS ?? 30) * 1000;
  const warmupMs = o.warmupMs ?? 30 * 60_000;
  const rng = new Prng(o.seed ?? 17);
  const injected: InjectedIncident[] = [];
  const falseAlarmList: Scoreboard["falseAlarmList"] = [];
  let passages = 0;
  let updates = 0;
  let updateMs = 0;
  let segmentHours = 0;
  // Every incident of the run on a segment of its own, across windows too.
  const usedSegments = new Set<number>();

  for (const [wi, w] of o.windows.entries()) {
    const label = w.label ?? `window ${wi + 1}`;
    const plan = planIncidents(data, network, w, rng, o.minDurationMs ?? 20 * 60_000, o.maxDurationMs ?? 40 * 60_000, usedSegments);
    const detector = new IncidentDetector(network, profile, o.config);
    const model = new TrafficModel({
      data,
      startMs: w.startMs - warmupMs,
      durationMs: w.durationMs + warmupMs,
      seed: (o.seed ?? 17) * 1000 + wi,
      vehiclesPerHour: o.vehiclesPerHour,
      duplicateRate: 0,
      collectTravelTimes: false,
      incidents: plan,
      drain: false,
    });
    const alarms: DetectedIncident[] = [];
    const seen = new Set<number>();
    const planSegments = plan.map((p) => network.segment(...(p.segment.split(">") as [string, string])));
    const stateAtStart = plan.map((): InjectedIncident["stateAtStart"] => null);
    const entriesBefore = plan.map(() => 0);
    const end = w.startMs + w.durationMs;
    let next = w.startMs - warmupMs + evalMs;
    const evaluate = (at: number) => {
      const t0 = performance.now();
      for (const [k, p] of plan.entries()) {
        if (p.startMs <= at && p.startMs > at - evalMs) {
          const { alarmed: _, ...state } = detector.segmentState(planSegments[k]!);
          stateAtStart[k] = state;
        }
      }
      const changed = detector.evaluate(at);
      if (at > w.startMs) {
        updateMs += performance.now() - t0;
        updates++;
      }
      for (const inc of changed) {
        if (seen.has(inc.key)) continue;
        seen.add(inc.key);
        alarms.push(inc);
      }
    };
    for (const r of model.reads()) {
      if (r.kind !== "passage") continue;
      while (r.tsMs >= next && next <= end) {
        evaluate(next);
        next += evalMs;
      }
      if (r.tsMs >= end) break;
      const g = network.gantry(r.gantryId);
      for (const [k, p] of plan.entries()) {
        if (network.segFrom[planSegments[k]!] === g && r.tsMs < p.startMs && r.tsMs >= p.startMs - 3600_000) entriesBefore[k]!++;
      }
      detector.observe(r.tsMs, g, vehicleKey(r.read.tag ?? null, r.read.plate ?? null)!, classIndex(r.read.class));
      passages++;
    }
    while (next <= end) {
      evaluate(next);
      next += evalMs;
    }
    segmentHours += (network.segmentCount * w.durationMs) / 3600_000;

    // Match: the first alarm taking in the incident's segment while it lasts (or just after).
    const explained = new Set<number>();
    for (const [k, spec] of plan.entries()) {
      const s = planSegments[k]!;
      const queue = new Set<number>([s]);
      for (let u = network.upstream[s]!, k = 0; u >= 0 && k < (spec.upstreamSegments ?? 3); u = network.upstream[u]!, k++) queue.add(u);
      let best: { at: number; key: number } | null = null;
      for (const a of alarms) {
        if (!a.segments.some((x) => queue.has(x))) continue;
        const until = spec.endMs + 15 * 60_000;
        const joined = a.segmentJoinedAtMs[a.segments.indexOf(s)];
        if (a.raisedAtMs >= spec.startMs - 5 * 60_000 && a.raisedAtMs <= until) explained.add(a.key);
        if (joined !== undefined && joined >= spec.startMs && joined <= spec.endMs && (!best || joined < best.at)) best = { at: joined, key: a.key };
      }
      injected.push({
        ...spec,
        window: label,
        freeFlowS: profile.freeFlowS(s),
        expectedS: profile.medianS(s, profile.slotOf(spec.startMs), 0) * (stateAtStart[k]?.ratio ?? 1),
        detected: best !== null,
        timeToDetectS: best ? (best.at - spec.startMs) / 1000 : null,
        alarm: best?.key ?? null,
        stateAtStart: stateAtStart[k]!,
        entriesPerHour: entriesBefore[k]!,
      });
    }
    for (const a of alarms) {
      if (explained.has(a.key) || a.raisedAtMs <= w.startMs) continue;
      const seg = network.segments[a.head]!;
      falseAlarmList.push({ segment: `${seg.fromGantry}>${seg.toGantry}`, raisedAt: new Date(a.raisedAtMs).toISOString(), overdue: a.overdueVehicles });
    }
    o.progress?.(
      `${label}: ${plan.length} incidents, ${injected.filter((x) => x.window === label && x.detected).length} detected, ${alarms.length} alarms, ${passages} passages so far`,
    );
  }

  const detected = injected.filter((x) => x.detected);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
  return {
    incidents: injected.length,
    detected: detected.length,
    detectionRate: injected.length ? detected.length / injected.length : Number.NaN,
    meanTimeToDetectS: mean(detected.map((x) => x.timeToDetectS!)),
    meanFreeFlowPlus2MinS: mean(detected.map((x) => x.freeFlowS + 120)),
    falseAlarms: falseAlarmList.length,
    segmentHours,
    falseAlarmsPer1000SegmentHours: (falseAlarmList.length / segmentHours) * 1000,
    passages,
    updates,
    meanUpdateMs: updates ? updateMs / updates : 0,
    perIncident: injected,
    falseAlarmList,
  };
}

/**
 * Incidents of one window, on segments no other window used: distinct freeway directions where possible (so queues never meet),
 * starts spread over the window, 10-30 km/h and at most half the real day's car speed at the start,
 * 20-40 min.
 */
function planIncidents(
  data: TrafficData,
  network: SegmentNetwork,
  w: ScoreboardWindow,
  rng: Prng,
  minDurationMs: number,
  maxDurationMs: number,
  usedSegments: Set<number>,
): (IncidentSpec & { upstreamSegments: number })[] {
  const out: (IncidentSpec & { upstreamSegments: number })[] = [];
  const usedChains = new Map<number, number[]>();
  const chainOf = new Int32Array(network.segmentCount);
  const posOf = new Int32Array(network.segmentCount);
  data.chains.forEach((c, ci) => {
    c.segments.forEach((s, pos) => {
      chainOf[s] = ci;
      posOf[s] = pos;
    });
  });
  const room = w.durationMs - maxDurationMs - 10 * 60_000;
  for (let attempt = 0; out.length < w.incidents && attempt < 10_000; attempt++) {
    const s = rng.int(0, network.segmentCount - 1);
    if (usedSegments.has(s)) continue;
    const chain = chainOf[s]!;
    // far enough from another incident on the same chain that the queues stay apart
    if ((usedChains.get(chain) ?? []).some((p) => Math.abs(p - posOf[s]!) < 10)) continue;
    if (posOf[s]! < 1) continue;
    const duration = minDurationMs + Math.round(rng.next() * (maxDurationMs - minDurationMs));
    const startMs = w.startMs + 5 * 60_000 + Math.round(((out.length + rng.next()) / w.incidents) * Math.max(0, room));
    const speedKmh = [10, 20, 30][rng.int(0, 2)]!;
    // A capacity drop must drop the speed: at least halve it against the real day's median then
    // (30 km/h on a segment already crawling at 28 km/h changes nothing the detector could see).
    const slot = Math.floor(((((startMs + 8 * 3600_000) % 86_400_000) + 86_400_000) % 86_400_000) / 300_000);
    if ((network.lengthKm[s]! / speedKmh) * 3600 < 2 * data.travelTimeSeconds(s, slot, 0)) continue;
    usedChains.set(chain, [...(usedChains.get(chain) ?? []), posOf[s]!]);
    usedSegments.add(s);
    const seg = network.segments[s]!;
    out.push({ segment: `${seg.fromGantry}>${seg.toGantry}`, startMs, endMs: startMs + duration, speedKmh, upstreamSegments: 3 });
  }
  return out;
}
