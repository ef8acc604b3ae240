import { TollwayError } from "../../core/errors/tollway-error.ts";
import { type VehicleClass, vehicleKey } from "../../core/vehicle/vehicle-class.ts";
import type { TrafficData } from "../../ingest/simulator/traffic-data.ts";
import { type CapacitySpec, type DemandResponseSpec, TrafficModel } from "../../ingest/simulator/traffic-model.ts";
import { INTERVAL_MS, floorInterval } from "../interval/interval.ts";
import { CongestionPrices, type PublishedPrice } from "../../core/tariff/congestion-prices.ts";
import { DEFAULT_PRICING, nextPrice, type PriceDecision, type PricingConfig } from "./price-controller.ts";
import { type ExitRead, measureExits } from "./segment-speed.ts";

/**
 * Pricing on vs off on a real corridor (issue 17's acceptance), in memory like the incident
 * scoreboard: the traffic model with a bottleneck on the priced segment and drivers responding to
 * the announced price, its reads measured as the control job measures the passages (segment-speed.ts:
 * space-mean speed and volume of the vehicles that left the priced segment in each 5-min interval),
 * `nextPrice` every 5 min with the segment's configured capacity (the bottleneck's), announced 20 s
 * after the interval closes and in force from the start of the next one, looked up by the rules the
 * settlement charges by (core/tariff/congestion-prices.ts).
 */

/** A stretch of consecutive segments of the real network and the priced ones on it. */
export interface Corridor {
  name: string;
  gantries: readonly string[];
  priced: readonly string[];
}

/**
 * 01F northbound towards Taipei, Zhongli (01F0584N, between the Zhongli and Neili interchanges) to
 * the Taoyuan 49B interchange (01F0492N). Priced: 01F0557N>01F0532N (Neili-Zhongli service area,
 * 2.5 km, 80 940 vehicles on the real day), whose real morning speeds sit inside the band (78-93 km/h
 * at 07:00-10:00), with free flow upstream (85-95 km/h): the bottleneck is the only queue there.
 */
export const ZHONGLI_NORTHBOUND: Corridor = {
  name: "01F northbound Zhongli-Taoyuan",
  gantries: ["01F0584N", "01F0557N", "01F0532N", "01F0511N", "01F0492N"],
  priced: ["01F0557N>01F0532N"],
};

/**
 * 01F southbound out of Taipei, Neihu-Yuanshan (01F0182S) to Gaogongju-Linkou (01F0376S). Priced:
 * 01F0264S>01F0293S (Taipei-Sanchong to Sanchong-Wugu, 2.9 km across the Tamsui), 94-98 km/h
 * until 09:20 on the real day (then a real jam until 09:55 that no price changes): free flow
 * there is above the band's top, so without a queue the controller always lowers the price.
 */
export const TAIPEI_SOUTHBOUND: Corridor = {
  name: "01F southbound Taipei-Linkou",
  gantries: ["01F0182S", "01F0248S", "01F0264S", "01F0293S", "01F0339S", "01F0376S"],
  priced: ["01F0264S>01F0293S"],
};

export interface CorridorOptions {
  /** The corridor's network and real day (TrafficData.load({ gantryIds })). */
  data: TrafficData;
  pricedSegments: readonly string[];
  capacities: readonly CapacitySpec[];
  /** Trip starts per hour on the corridor (day mean, shaped by the real day's volume). */
  vehiclesPerHour: number;
  /** Model start (the warm-up runs priced too). */
  startMs: number;
  /** The peak whose 5-min intervals are scored: [peakStartMs, peakEndMs); trips start until peakEndMs. */
  peakStartMs: number;
  peakEndMs: number;
  seed?: number;
  config?: PricingConfig;
  /** The controller is told the bottleneck's capacity, as an operator configures it (default true; false: speed only). */
  capacityConfigured?: boolean;
  demand?: Omit<DemandResponseSpec, "announcedPermille">;
  /** A price is announced this long after its interval closes (the control job's run, default 20 s). */
  announceDelayMs?: number;
  /** Keep every passage of the run (default true). */
  collectPassages?: boolean;
}

/** One published price and the measurement behind it (a price_log row). */
export interface CorridorPrice extends PublishedPrice {
  segment: string;
  speedKmh: number | null;
  volume: number;
  aboveUpdates: number;
  reason: PriceDecision["reason"];
}

export interface CorridorPassage {
  gantryId: string;
  tag?: string;
  plate?: string;
  vehicleClass: VehicleClass;
  lane: number;
  tsMs: number;
}

export interface CorridorInterval {
  segment: string;
  startMs: number;
  speedKmh: number | null;
  volume: number;
  /** The multiplier in force at the interval's start. */
  permille: number;
}

export interface CorridorRun {
  pricing: boolean;
  /** Peak intervals (per priced segment) whose measured speed is at or above the target. */
  shareAtTarget: number;
  intervals: CorridorInterval[];
  prices: CorridorPrice[];
  /** Largest |change| between consecutive prices of a segment (the first against 1000). */
  maxStepPermille: number;
  maxPermille: number;
  /** Mean multiplier in force over the peak intervals. */
  meanPermille: number;
  diverted: number;
  shifted: number;
  trips: number;
  /** Vehicles completing a priced segment during the peak. */
  pricedVehicles: number;
  passages: CorridorPassage[];
  seconds: number;
}

interface PricedSegment {
  key: string;
  from: string;
  to: string;
  lengthKm: number;
  /** The capacity the operator configured (the bottleneck's, when the segment has one). */
  capacityPerHour: number | null;
  /** Vehicle -> its upstream read times, ascending. */
  entries: Map<string, number[]>;
  /** Per interval start: the exits at the downstream gantry. */
  exits: Map<number, ExitRead[]>;
  log: CorridorPrice[];
  state: { permille: number; above: number };
}

/**
 * The in-memory control loop: measures the priced segments from the reads, prices every interval
 * once its announcement is due. Lookups are lazy: the model asks for a price at a trip start only
 * after yielding every read up to then, so every interval due by then is measured completely.
 */
export class CorridorPricer {
  private readonly segments = new Map<string, PricedSegment>();
  private readonly byGantry = new Map<string, { seg: PricedSegment; entry: boolean }[]>();
  private nextClose: number;
  private inForce = CongestionPrices.none;

  constructor(
    data: TrafficData,
    pricedSegments: readonly string[],
    startMs: number,
    private readonly pricing: boolean,
    private readonly config: PricingConfig = DEFAULT_PRICING,
    private readonly announceDelayMs = 20_000,
    capacities: readonly CapacitySpec[] = [],
  ) {
    for (const key of pricedSegments) {
      const s = data.segmentIndex.get(key);
      if (s === undefined) throw new TollwayError("bad_request", `priced segment ${key} is not on the corridor`);
      const rec = data.segments[s]!;
      const seg: PricedSegment = {
        key,
        from: rec.fromGantry,
        to: rec.toGantry,
        lengthKm: rec.lengthKm,
        capacityPerHour: capacities.find((c) => c.segment === key)?.vehiclesPerHour ?? null,
        entries: new Map(),
        exits: new Map(),
        log: [],
        state: { permille: config.minPermille, above: 0 },
      };
      this.segments.set(key, seg);
      for (const [g, entry] of [
        [seg.from, true],
        [seg.to, false],
      ] as const) {
        const list = this.byGantry.get(g) ?? [];
        list.push({ seg, entry });
        this.byGantry.set(g, list);
      }
    }
    this.nextClose = floorInterval(startMs) + INTERVAL_MS;
  }

  /** A passage (the first read of a vehicle at a gantry). */
  observe(gantryId: string, vehicle: string, tsMs: number): void {
    for (const { seg, entry } of this.byGantry.get(gantryId) ?? []) {
      if (entry) {
        const list = seg.entries.get(vehicle);
        if (list) list.push(tsMs);
        else seg.entries.set(vehicle, [tsMs]);
        continue;
      }
      const bucket = floorInterval(tsMs);
      const list = seg.exits.get(bucket);
      if (list) list.push({ vehicle, exitMs: tsMs });
      else seg.exits.set(bucket, [{ vehicle, exitMs: tsMs }]);
    }
  }

  /** Space-mean speed and volume of the vehicles that left the segment in [startMs, +5 min). */
  measured(segment: string, startMs: number): { speedKmh: number | null; volume: number } {
    const seg = this.segments.get(segment);
    if (!seg) return { speedKmh: null, volume: 0 };
    return measureExits(seg.entries, seg.exits.get(startMs) ?? [], seg.lengthKm);
  }

  /** The multiplier in force on a segment at tMs (1000 when unpriced or with pricing off). */
  permille(segment: string, tMs: number): number {
    if (!this.segments.has(segment) || !this.pricing) return 1000;
    this.advance(tMs);
    return this.inForce.priceAt(segment, tMs).permille;
  }

  /** Publishes every price announced by tMs. */
  advance(tMs: number): void {
    if (!this.pricing) return;
    let published = false;
    while (this.nextClose + this.announceDelayMs <= tMs) {
      const closed = this.nextClose - INTERVAL_MS;
      for (const seg of this.segments.values()) {
        const { speedKmh, volume } = this.measured(seg.key, closed);
        const d = nextPrice(seg.state, speedKmh, volume, this.config, {}, seg.capacityPerHour);
        seg.state = { permille: d.permille, above: d.above };
        seg.log.push({
          segment: seg.key,
          fromGantry: seg.from,
          toGantry: seg.to,
          announcedAtMs: this.nextClose + this.announceDelayMs,
          effectiveFromMs: this.nextClose + INTERVAL_MS,
          permille: d.permille,
          speedKmh,
          volume,
          aboveUpdates: d.above,
          reason: d.reason,
        });
      }
      this.nextClose += INTERVAL_MS;
      published = true;
    }
    if (published) this.inForce = new CongestionPrices([...this.segments.values()].flatMap((s) => s.log));
  }

  publishedLog(): CorridorPrice[] {
    return [...this.segments.values()].flatMap((s) => s.log).sort((a, b) => a.announcedAtMs - b.announcedAtMs || a.segment.localeCompare(b.segment));
  }

  /** The published log as the settlement reads it. */
  congestionPrices(): CongestionPrices {
    return this.inForce;
  }
}

/** One run of the corridor, pricing on or off (off: every announced price is 1000). */
export function runCorridor(o: CorridorOptions, pricing: boolean): CorridorRun {
  const started = performance.now();
  const config = o.config ?? DEFAULT_PRICING;
  const pricer = new CorridorPricer(
    o.data,
    o.pricedSegments,
    o.startMs,
    pricing,
    config,
    o.announceDelayMs,
    o.capacityConfigured === false ? [] : o.capacities,
  );
  const model = new TrafficModel({
    data: o.data,
    startMs: o.startMs,
    durationMs: o.peakEndMs - o.startMs,
    seed: o.seed ?? 17,
    vehiclesPerHour: o.vehiclesPerHour,
    duplicateRate: 0,
    collectTravelTimes: false,
    capacities: o.capacities,
    demandResponse: { ...o.demand, announcedPermille: (segment, tMs) => pricer.permille(segment, tMs) },
  });
  const collect = o.collectPassages ?? true;
  const passages: CorridorPassage[] = [];
  for (const r of model.reads()) {
    if (r.kind !== "passage") continue;
    const { tag, plate, lane } = r.read;
    pricer.observe(r.gantryId, vehicleKey(tag ?? null, plate ?? null)!, r.tsMs);
    if (collect) passages.push({ gantryId: r.gantryId, tag, plate, vehicleClass: r.read.class as VehicleClass, lane, tsMs: r.tsMs });
  }
  pricer.advance(o.peakEndMs);

  const prices = pricer.publishedLog();
  const inForce = pricer.congestionPrices();
  const intervals: CorridorInterval[] = [];
  for (const segment of o.pricedSegments) {
    for (let t = o.peakStartMs; t < o.peakEndMs; t += INTERVAL_MS) {
      intervals.push({ segment, startMs: t, ...pricer.measured(segment, t), permille: pricing ? inForce.priceAt(segment, t).permille : 1000 });
    }
  }
  let maxStep = 0;
  for (const segment of o.pricedSegments) {
    let last = 1000;
    for (const p of prices) {
      if (p.segment !== segment) continue;
      maxStep = Math.max(maxStep, Math.abs(p.permille - last));
      last = p.permille;
    }
  }
  const atTarget = intervals.filter((i) => i.speedKmh !== null && i.speedKmh >= config.targetSpeedKmh).length;
  return {
    pricing,
    shareAtTarget: intervals.length ? atTarget / intervals.length : Number.NaN,
    intervals,
    prices,
    maxStepPermille: maxStep,
    maxPermille: Math.max(1000, ...intervals.map((i) => i.permille)),
    meanPermille: intervals.reduce((a, i) => a + i.permille, 0) / Math.max(1, intervals.length),
    diverted: model.truth.diverted,
    shifted: model.truth.shifted,
    trips: model.truth.trips,
    pricedVehicles: intervals.reduce((a, i) => a + i.volume, 0),
    passages,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The same corridor, seed and demand twice: pricing on, then off. */
export function evaluateCorridor(o: CorridorOptions): { on: CorridorRun; off: CorridorRun } {
  return { on: runCorridor(o, true), off: runCorridor(o, false) };
}

/** The TDCS day's local time (the model's default timeZoneOffsetMinutes). */
const TAIPEI_OFFSET_MS = 480 * 60_000;
const SLOTS_PER_DAY = 288;

/**
 * The real day's flow on a segment over [fromMs, toMs), vehicles per hour: its M04A daily volume
 * spread over the day by the network's volume shape (the data has no per-slot volume per segment).
 */
export function realFlowPerHour(data: TrafficData, segment: string, fromMs: number, toMs: number): number {
  const s = data.segmentIndex.get(segment);
  if (s === undefined) throw new TollwayError("bad_request", `${segment} is not on the corridor`);
  let shape = 0;
  let n = 0;
  for (let t = fromMs; t < toMs; t += INTERVAL_MS, n++) {
    const slot = Math.floor(((((t + TAIPEI_OFFSET_MS) % 86_400_000) + 86_400_000) % 86_400_000) / INTERVAL_MS);
    shape += data.demandShape[slot]!;
  }
  return ((data.segmentVolume[s]! / SLOTS_PER_DAY) * (shape / Math.max(1, n)) * 3_600_000) / INTERVAL_MS;
}

export interface ScenarioOptions {
  data: TrafficData;
  corridor: Corridor;
  /** Peak whose intervals are scored, e.g. 06:00-10:00 Taipei time; the model starts warmupMs earlier. */
  peakStartMs: number;
  peakEndMs: number;
  warmupMs?: number;
  /** Bottleneck capacity as a share of the real day's busiest hour in the peak (default 0.95). */
  capacityShare?: number;
  /** Override the calibrated trip rate or the capacity. */
  vehiclesPerHour?: number;
  capacityVehiclesPerHour?: number;
  seed?: number;
  config?: PricingConfig;
  /** The controller is told the bottleneck's capacity, as an operator configures it (default true; false: speed only). */
  capacityConfigured?: boolean;
  demand?: Omit<DemandResponseSpec, "announcedPermille">;
  collectPassages?: boolean;
}

export interface Scenario {
  corridor: string;
  priced: readonly string[];
  /** The real day's mean flow on the (first) priced segment over the peak, and in its busiest hour. */
  realFlowPerHour: number;
  realPeakHourFlowPerHour: number;
  /** Its simulated flow without bottleneck or price at the calibrated rate. */
  simulatedFlowPerHour: number;
  vehiclesPerHour: number;
  capacityVehiclesPerHour: number;
  on: CorridorRun;
  off: CorridorRun;
}

/**
 * The acceptance scenario: the trip rate calibrated so the simulated flow on the priced segment
 * over the peak equals the real day's (one run without bottleneck or price, scaled linearly), the
 * bottleneck (at the last priced segment's downstream end) below the real day's busiest hour, then
 * pricing on and off.
 */
export function runScenario(o: ScenarioOptions): Scenario {
  const { data, corridor } = o;
  const first = corridor.priced[0]!;
  const last = corridor.priced.at(-1)!;
  const real = realFlowPerHour(data, first, o.peakStartMs, o.peakEndMs);
  let peakHour = 0;
  for (let t = o.peakStartMs; t + 3_600_000 <= o.peakEndMs; t += INTERVAL_MS) peakHour = Math.max(peakHour, realFlowPerHour(data, first, t, t + 3_600_000));
  const base: Omit<CorridorOptions, "vehiclesPerHour" | "capacities"> = {
    data,
    pricedSegments: corridor.priced,
    startMs: o.peakStartMs - (o.warmupMs ?? 3_600_000),
    peakStartMs: o.peakStartMs,
    peakEndMs: o.peakEndMs,
    seed: o.seed,
    config: o.config,
    capacityConfigured: o.capacityConfigured,
    demand: o.demand,
  };
  const probeRate = 4000;
  const probe = runCorridor({ ...base, vehiclesPerHour: probeRate, capacities: [], collectPassages: false }, false);
  const probeFlow = flowPerHour(probe, first);
  const vehiclesPerHour = o.vehiclesPerHour ?? Math.round((probeRate * real) / probeFlow / 100) * 100;
  const capacity = o.capacityVehiclesPerHour ?? Math.round((peakHour * (o.capacityShare ?? 0.95)) / 50) * 50;
  const run = { ...base, vehiclesPerHour, capacities: [{ segment: last, vehiclesPerHour: capacity }], collectPassages: o.collectPassages };
  return {
    corridor: corridor.name,
    priced: corridor.priced,
    realFlowPerHour: real,
    realPeakHourFlowPerHour: peakHour,
    simulatedFlowPerHour: (probeFlow * vehiclesPerHour) / probeRate,
    vehiclesPerHour,
    capacityVehiclesPerHour: capacity,
    ...evaluateCorridor(run),
  };
}

function flowPerHour(run: CorridorRun, segment: string): number {
  const xs = run.intervals.filter((i) => i.segment === segment);
  return (xs.reduce((a, i) => a + i.volume, 0) / Math.max(1, xs.length)) * (3_600_000 / INTERVAL_MS);
}
