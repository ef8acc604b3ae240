import { TollwayError } from "../../core/errors/tollway-error.ts";
import { MinHeap } from "./heap.ts";
import { cumulativeOf, hashString, Prng } from "./prng.ts";
import { CLASS_COUNT, classIndex, VEHICLE_CLASSES, type VehicleClass } from "../../core/vehicle/vehicle-class.ts";
import { GroundTruth, type TravelTimeRecord } from "./ground-truth.ts";
import { MALFORMED_KINDS, type SimulatedRead, type WireRead } from "./simulated-read.ts";
import { DEFAULT_SPEED_KMH, SLOT_MS, SLOTS_PER_DAY, type TrafficData } from "./traffic-data.ts";
import { hex8, unregisteredPlate, type RegisteredTag } from "./vehicle-identities.ts";

/**
 * A capacity drop on one segment: vehicles entering it while it is active drive at `speedKmh`; the
 * queue spills `upstreamSegments` segments upstream (segment j upstream slows from start + j x
 * spillMinutesPerSegment until the end) at `upstreamSpeedKmh`. Downstream stays as the data says.
 * Vehicles already on a segment when it slows are held too (see heldUntil): on the incident segment
 * those short of the point `atFraction` along it, on a queue segment all (its queue comes from its end).
 */
export interface IncidentSpec {
  /** "FROMGANTRY>TOGANTRY", a segment of the network. */
  segment: string;
  startMs: number;
  endMs: number;
  speedKmh?: number;
  upstreamSegments?: number;
  upstreamSpeedKmh?: number;
  spillMinutesPerSegment?: number;
  /** Where the lanes are blocked, as a fraction of the segment's length from its upstream gantry (default 0.5). */
  atFraction?: number;
}

/**
 * A bottleneck at the downstream end of a segment: a point queue served at `vehiclesPerHour`. A
 * vehicle's time on the segment is the model's usual time plus its wait in the queue, so the speed
 * there depends on the volume (elsewhere the real day's medians hold whatever the volume).
 */
export interface CapacitySpec {
  /** "FROMGANTRY>TOGANTRY", a segment of the network. */
  segment: string;
  vehiclesPerHour: number;
}

/**
 * Drivers' response to an announced congestion price (control/pricing): decided at the trip start
 * from the multiplier in force then on each segment of the planned path.
 */
export interface DemandResponseSpec {
  /** The multiplier in per-mille (1000 = the fixed rate) in force on a segment at tMs. */
  announcedPermille: (segment: string, tMs: number) => number;
  /** Constant elasticity of trips on the priced section w.r.t. its price (default -0.4). */
  elasticity?: number;
  /** Share of deterred trips that leave later instead of diverting at once (default 0.3). */
  shiftShare?: number;
  /** A shifted trip starts again this many minutes later, uniform (default [15, 45]). */
  shiftMinutes?: readonly [number, number];
}

export interface TrafficModelOptions {
  data: TrafficData;
  /** Simulated start time (ms since epoch). */
  startMs: number;
  /** Trips start in [startMs, startMs + durationMs); Infinity runs forever. Default 1 h. */
  durationMs?: number;
  seed?: number | string;
  /** Trip starts per hour on the whole (selected) network, averaged over the day. Default 6000. */
  vehiclesPerHour?: number;
  /** Scale the rate by the data's volume per 5-min slot of the day (default true). */
  followDemandShape?: boolean;
  /** Mean number of segments a trip drives (geometric, at least 1). Default 5. */
  meanSegmentsPerTrip?: number;
  /** Share of vehicles with an ETC tag (default 0.94); the rest are read by plate only. */
  tagShare?: number;
  /** Tags registered in the back office; tagged vehicles use one of their class when it is free. */
  registeredTags?: readonly RegisteredTag[];
  /** Share of passages the antenna reads 2-3 times within a few seconds (default 0.15). */
  duplicateRate?: number;
  /** Expected share of malformed reads among all emitted reads (default 0). */
  malformedRate?: number;
  /**
   * "data" (default): medians from M04A/M05A; "free-flow": every segment at the default class speed
   * (no congestion from the real day, e.g. so an incident is the only bottleneck).
   */
  speeds?: "data" | "free-flow";
  /** Log-normal sigma of per-vehicle travel time around the median (default 0.08). */
  travelTimeSpread?: number;
  incidents?: readonly IncidentSpec[];
  lanes?: number;
  /** Offset of the data's local time (TDCS: Taipei, +480 min). */
  timeZoneOffsetMinutes?: number;
  /** A registered tag is not reused until this long after its previous trip ended (default 1 h). */
  tagCooldownMs?: number;
  /**
   * The silence that ends a trip for a gap-based trip builder (M06A, control/trips; default 30 min).
   * Only for truth.gapTrips; must be shorter than tagCooldownMs, so reused tags never join trips.
   */
  tripGapMs?: number;
  /** After the end, still emit the remaining reads of trips already under way (default true). */
  drain?: boolean;
  /** Keep per-vehicle travel times in the ground truth (default true; counts are always kept). */
  collectTravelTimes?: boolean;
  /** Point-queue bottlenecks (default none: travel times do not depend on the volume). */
  capacities?: readonly CapacitySpec[];
  /** Trips respond to announced prices (default none: nobody diverts or shifts). */
  demandResponse?: DemandResponseSpec;
}

/** What a trip drives: class index, chain, first position on it, segments wanted. */
interface TripPlan {
  ci: number;
  chain: number;
  pos: number;
  count: number;
}

interface ShiftedTrip {
  ts: number;
  seq: number;
  plan: TripPlan;
}

/**
 * The service slots of one bottleneck: slot k is [k h, (k+1) h) with h = 1 h / capacity and serves
 * one vehicle; a vehicle reaching the bottleneck at t leaves at t if slot floor(t / h) is free, else
 * at the start of the earliest free slot after it. Trajectories are planned at trip start, in start
 * order, not in the order vehicles reach the bottleneck; taking the earliest free slot at or after
 * the arrival (not the end of the queue as planned so far) lets a vehicle planned later but arriving
 * earlier go first, so service is FIFO by arrival except that a slot already promised is kept: the
 * error is bounded by one trip's drive to the bottleneck and vanishes once the queue is continuous.
 */
class Bottleneck {
  /** Taken slot -> a later slot to try (path-compressed: a union-find "next free slot"). */
  private readonly taken = new Map<number, number>();
  private readonly headwayMs: number;

  constructor(vehiclesPerHour: number) {
    this.headwayMs = 3_600_000 / vehiclesPerHour;
  }

  /** When a vehicle reaching the bottleneck at arriveMs leaves it. */
  serve(arriveMs: number): number {
    const first = Math.floor(arriveMs / this.headwayMs);
    let k = first;
    while (this.taken.has(k)) k = this.taken.get(k)!;
    for (let c = first; c !== k; ) {
      const n = this.taken.get(c)!;
      this.taken.set(c, k);
      c = n;
    }
    this.taken.set(k, k + 1);
    return k === first ? arriveMs : Math.ceil(k * this.headwayMs);
  }

  /** Arrivals come after the current trip start, so earlier slots are never asked for again. */
  forgetBefore(ms: number): void {
    const k = Math.floor(ms / this.headwayMs);
    for (const s of this.taken.keys()) if (s < k) this.taken.delete(s);
  }
}

interface Pending {
  ts: number;
  seq: number;
  out: SimulatedRead;
  gantryIndex: number;
  classIdx: number;
  vehicleClass: VehicleClass;
  registered: boolean;
  segment: TravelTimeRecord | undefined;
}

/**
 * The traffic model: a discrete-event simulation, pure (no I/O, no clock, no Math.random). Trips
 * start as a Poisson process; each trip's whole trajectory is computed when it starts, its reads
 * wait in a heap and leave in time order.
 */
export class TrafficModel {
  readonly truth: GroundTruth;
  private readonly o: Required<Omit<TrafficModelOptions, "registeredTags" | "incidents" | "seed" | "capacities" | "demandResponse">> & {
    seed: number | string;
  };
  private readonly rng: Prng;
  private readonly heap = new MinHeap<Pending>();
  private seq = 0;
  private readonly classCum: Float64Array[];
  private readonly originCum: Float64Array;
  private readonly chainOf: { chain: number; pos: number }[];
  private readonly pool: RegisteredTag[][];
  private readonly busyUntil = new Map<string, number>();
  private readonly pendingZ = new Map<number, Map<number, number>>();
  private sweptBucket = -Infinity;
  private readonly incidentBySegment = new Map<number, { inc: Required<IncidentSpec>; upstream: number }[]>();
  private readonly seedHex: string;
  private readonly gantryIndex: Map<string, number>;
  private freshCount = 0;
  private junkCount = 0;
  private readonly bottleneckBySegment = new Map<number, Bottleneck>();
  private readonly demand: Required<DemandResponseSpec> | undefined;
  /** Demand decisions draw from their own stream, so they never move the main stream's draws. */
  private readonly demandRng: Prng;
  private readonly shifted = new MinHeap<ShiftedTrip>();
  private shiftSeq = 0;
  private readonly segmentKeys: string[];

  constructor(options: TrafficModelOptions) {
    const d = options.data;
    this.o = {
      data: d,
      startMs: options.startMs,
      durationMs: options.durationMs ?? 3_600_000,
      seed: options.seed ?? 1,
      vehiclesPerHour: options.vehiclesPerHour ?? 6000,
      followDemandShape: options.followDemandShape ?? true,
      meanSegmentsPerTrip: options.meanSegmentsPerTrip ?? 5,
      tagShare: options.tagShare ?? 0.94,
      duplicateRate: options.duplicateRate ?? 0.15,
      malformedRate: options.malformedRate ?? 0,
      speeds: options.speeds ?? "data",
      travelTimeSpread: options.travelTimeSpread ?? 0.08,
      lanes: options.lanes ?? 4,
      timeZoneOffsetMinutes: options.timeZoneOffsetMinutes ?? 480,
      tagCooldownMs: options.tagCooldownMs ?? 3_600_000,
      tripGapMs: options.tripGapMs ?? 30 * 60_000,
      drain: options.drain ?? true,
      collectTravelTimes: options.collectTravelTimes ?? true,
    };
    if (!(this.o.tripGapMs > 0 && this.o.tripGapMs < this.o.tagCooldownMs))
      throw new TollwayError("bad_request", "tripGapMs must be positive and below tagCooldownMs");
    if (!(this.o.vehiclesPerHour > 0)) throw new TollwayError("bad_request", "vehiclesPerHour must be positive");
    if (!(this.o.malformedRate >= 0 && this.o.malformedRate < 1)) throw new TollwayError("bad_request", "malformedRate must be in [0, 1)");
    if (!(this.o.meanSegmentsPerTrip >= 1)) throw new TollwayError("bad_request", "meanSegmentsPerTrip must be at least 1");
    this.rng = new Prng(this.o.seed);
    this.seedHex = hex8(hashString(String(this.o.seed)));
    this.gantryIndex = new Map(d.gantries.map((g, i) => [g.id, i]));
    this.truth = new GroundTruth(
      d.gantries.map((g) => g.id),
      (id) => d.gantryById.get(id)?.direction ?? "?",
    );
    this.classCum = [];
    for (let slot = 0; slot < SLOTS_PER_DAY; slot++) this.classCum.push(cumulativeOf(d.classShare.subarray(slot * CLASS_COUNT, (slot + 1) * CLASS_COUNT)));
    this.originCum = cumulativeOf(d.segmentVolume);
    this.chainOf = [];
    for (const [ci, c] of d.chains.entries()) for (const [pos, s] of c.segments.entries()) this.chainOf[s] = { chain: ci, pos };
    this.pool = VEHICLE_CLASSES.map((c) => (options.registeredTags ?? []).filter((t) => t.vehicleClass === c));
    for (const inc of options.incidents ?? []) this.addIncident(inc);
    this.segmentKeys = d.segments.map((s) => `${s.fromGantry}>${s.toGantry}`);
    for (const c of options.capacities ?? []) {
      const s = d.segmentIndex.get(c.segment);
      if (s === undefined) throw new TollwayError("bad_request", `capacity segment ${c.segment} is not a segment of the simulated network`);
      if (this.bottleneckBySegment.has(s)) throw new TollwayError("bad_request", `capacity segment ${c.segment} given twice`);
      if (!(c.vehiclesPerHour > 0 && Number.isFinite(c.vehiclesPerHour))) throw new TollwayError("bad_request", "capacity vehiclesPerHour must be positive");
      this.bottleneckBySegment.set(s, new Bottleneck(c.vehiclesPerHour));
    }
    this.demandRng = new Prng(`${this.o.seed}:demand`);
    const dr = options.demandResponse;
    if (dr) {
      this.demand = { elasticity: -0.4, shiftShare: 0.3, shiftMinutes: [15, 45], ...dr };
      const { elasticity, shiftShare, shiftMinutes } = this.demand;
      if (typeof dr.announcedPermille !== "function") throw new TollwayError("bad_request", "demandResponse.announcedPermille must be a function");
      if (!(elasticity <= 0 && Number.isFinite(elasticity))) throw new TollwayError("bad_request", "demandResponse.elasticity must be finite and at most 0");
      if (!(shiftShare >= 0 && shiftShare <= 1)) throw new TollwayError("bad_request", "demandResponse.shiftShare must be in [0, 1]");
      if (!(shiftMinutes.length === 2 && shiftMinutes[0] > 0 && shiftMinutes[1] >= shiftMinutes[0] && Number.isFinite(shiftMinutes[1])))
        throw new TollwayError("bad_request", "demandResponse.shiftMinutes must be [min, max] with 0 < min <= max");
    }
  }

  private addIncident(spec: IncidentSpec): void {
    const s = this.o.data.segmentIndex.get(spec.segment);
    if (s === undefined) throw new TollwayError("bad_request", `incident segment ${spec.segment} is not a segment of the simulated network`);
    const inc: Required<IncidentSpec> = {
      speedKmh: 30,
      upstreamSegments: 3,
      upstreamSpeedKmh: 45,
      spillMinutesPerSegment: 2,
      atFraction: 0.5,
      ...spec,
    };
    if (!(inc.atFraction >= 0 && inc.atFraction <= 1)) throw new TollwayError("bad_request", "incident atFraction must be in [0, 1]");
    const { chain, pos } = this.chainOf[s]!;
    const segs = this.o.data.chains[chain]!.segments;
    for (let j = 0; j <= inc.upstreamSegments && pos - j >= 0; j++) {
      const list = this.incidentBySegment.get(segs[pos - j]!) ?? [];
      list.push({ inc, upstream: j });
      this.incidentBySegment.set(segs[pos - j]!, list);
    }
  }

  /** The reads in simulated-time order; the ground truth fills as they are taken. */
  *reads(): Generator<SimulatedRead> {
    const end = this.o.startMs + this.o.durationMs;
    // Every read at or before a trip's start leaves before the trip is planned, so a consumer
    // (e.g. a price controller behind demandResponse) has seen them when the trip asks it.
    let next = this.nextArrival(this.o.startMs, end);
    for (;;) {
      const shifted = this.shifted.peek();
      const replan = shifted !== undefined && shifted.ts < next;
      const t = replan ? shifted.ts : next;
      while (this.heap.size > 0 && this.heap.peek()!.ts <= t) yield this.emit(this.heap.pop()!);
      if (replan) {
        this.shifted.pop();
        this.sweep(t);
        this.beginTrip(t, shifted.plan, true);
        continue;
      }
      if (t >= end) break;
      this.startTrip(t);
      next = this.nextArrival(t, end);
    }
    // Draining: trips shifted past the end still start (they belong to the simulated period).
    for (;;) {
      const s = this.o.drain ? this.shifted.peek() : undefined;
      const p = this.heap.peek();
      if (s && (!p || s.ts < p.ts)) {
        this.shifted.pop();
        this.sweep(s.ts);
        this.beginTrip(s.ts, s.plan, true);
        continue;
      }
      if (!p) break;
      this.heap.pop();
      if (!this.o.drain && p.ts >= end) break;
      yield this.emit(p);
    }
  }

  private slotOf(ms: number): number {
    const local = ms + this.o.timeZoneOffsetMinutes * 60_000;
    return Math.floor((((local % 86_400_000) + 86_400_000) % 86_400_000) / SLOT_MS);
  }

  /** Next trip start of a Poisson process whose rate is constant within each 5-min slot. */
  private nextArrival(from: number, end: number): number {
    let t = from;
    while (t < end) {
      const slot = this.slotOf(t);
      const ratePerMs = (this.o.vehiclesPerHour / 3_600_000) * (this.o.followDemandShape ? this.o.data.demandShape[slot]! : 1);
      const slotEnd = Math.floor(t / SLOT_MS) * SLOT_MS + SLOT_MS;
      if (ratePerMs > 0) {
        const next = t + this.rng.exponential(1 / ratePerMs);
        if (next < slotEnd) return Math.min(next, end);
      }
      t = slotEnd;
    }
    return end;
  }

  private startTrip(t0: number): void {
    const d = this.o.data;
    const rng = this.rng;
    this.sweep(t0);
    const slot = this.slotOf(t0);
    const ci = rng.pickCumulative(this.classCum[slot]!);
    const firstSeg = rng.pickCumulative(this.originCum);
    const { chain, pos } = this.chainOf[firstSeg]!;
    const segs = d.chains[chain]!.segments;
    const p = 1 / this.o.meanSegmentsPerTrip;
    const wanted = p >= 1 ? 1 : 1 + Math.floor(Math.log(1 - rng.next()) / Math.log(1 - p));
    this.beginTrip(t0, { ci, chain, pos, count: Math.min(wanted, segs.length - pos) }, false);
  }

  /**
   * The driver's answer to the prices in force at the trip start on the planned path: the priced
   * section is the path's segments above 1000 per-mille, its price the highest of them. The trip
   * keeps it with probability (m / 1000)^elasticity; else a first refusal shifts the trip with
   * probability shiftShare, and any other refusal diverts it: the trip ends at the gantry before
   * the priced section (no trip at all when that is its first segment). Returns the segments kept,
   * or -1 when shifted.
   */
  private respond(t0: number, plan: TripPlan, alreadyShifted: boolean): number {
    const dr = this.demand!;
    const segs = this.o.data.chains[plan.chain]!.segments;
    let first = -1;
    let m = 1000;
    for (let k = 0; k < plan.count; k++) {
      const price = dr.announcedPermille(this.segmentKeys[segs[plan.pos + k]!]!, t0);
      if (price > 1000) {
        if (first < 0) first = k;
        m = Math.max(m, price);
      }
    }
    if (first < 0) return plan.count;
    const rng = this.demandRng;
    if (rng.next() < (m / 1000) ** dr.elasticity) return plan.count;
    if (!alreadyShifted && rng.chance(dr.shiftShare)) {
      const [lo, hi] = dr.shiftMinutes;
      this.shifted.push({ ts: t0 + (lo + rng.next() * (hi - lo)) * 60_000, seq: this.shiftSeq++, plan });
      this.truth.shifted++;
      return -1;
    }
    this.truth.diverted++;
    return first;
  }

  private beginTrip(t0: number, plan: TripPlan, alreadyShifted: boolean): void {
    const d = this.o.data;
    const rng = this.rng;
    const { ci, chain, pos } = plan;
    const count = this.demand ? this.respond(t0, plan, alreadyShifted) : plan.count;
    if (count <= 0) return;
    const vehicleClass = VEHICLE_CLASSES[ci]!;
    const segs = d.chains[chain]!.segments;

    // Identity: a registered tag of this class when one is free, else a fresh tag, else a plate.
    let tag: string | undefined;
    let plate: string | undefined;
    let registered = false;
    if (rng.chance(this.o.tagShare)) {
      const pool = this.pool[ci]!;
      for (let attempt = 0; attempt < 4 && pool.length > 0 && !tag; attempt++) {
        const cand = pool[rng.int(0, pool.length - 1)]!;
        if ((this.busyUntil.get(cand.tag) ?? -Infinity) <= t0) {
          tag = cand.tag;
          registered = true;
        }
      }
      tag ??= `E2801160${this.seedHex}${hex8(this.freshCount++)}`;
    } else {
      plate = unregisteredPlate(hashString(String(this.o.seed)) + this.freshCount++);
    }
    this.truth.trips++;
    this.truth.gapTrips++;
    this.truth.tripsByClass[vehicleClass]!++;
    if (tag) this.truth.taggedTrips++;
    const vehicle = tag ?? plate!;

    let t = Math.round(t0);
    this.pushPassage(d.segments[segs[pos]!]!.fromGantry, t, vehicleClass, tag, plate, registered, undefined);
    for (let k = 0; k < count; k++) {
      const s = segs[pos + k]!;
      const seg = d.segments[s]!;
      const { seconds, median: med, source: drawn } = this.travelTime(s, t, ci, vehicleClass);
      let source = drawn;
      let arrive = t + Math.max(1, Math.round(seconds * 1000));
      const held = this.heldUntil(s, t, arrive, vehicleClass);
      if (held > arrive) {
        source = "held";
        arrive = held;
      }
      const bottleneck = this.bottleneckBySegment.get(s);
      if (bottleneck) {
        const served = bottleneck.serve(arrive);
        if (served > arrive) source = "bottleneck";
        arrive = served;
      }
      if (arrive - t > this.o.tripGapMs) this.truth.gapTrips++;
      const record: TravelTimeRecord = {
        vehicle,
        vehicleClass,
        fromGantry: seg.fromGantry,
        toGantry: seg.toGantry,
        departMs: t,
        arriveMs: arrive,
        seconds: (arrive - t) / 1000,
        medianSeconds: med,
        source,
      };
      t = arrive;
      this.pushPassage(seg.toGantry, t, vehicleClass, tag, plate, registered, record);
    }
    if (registered && tag) this.busyUntil.set(tag, t + this.o.tagCooldownMs);
  }

  /**
   * One vehicle's time on a segment: the median for its departure slot and class times
   * exp(sigma z). z comes in antithetic pairs per (segment, 5-min bucket of departure, class), so
   * the sample median of an interval stays on the source median even for small groups.
   */
  private travelTime(
    s: number,
    departMs: number,
    ci: number,
    vehicleClass: VehicleClass,
  ): { seconds: number; median: number; source: TravelTimeRecord["source"] } {
    const d = this.o.data;
    let med: number;
    let source: TravelTimeRecord["source"];
    if (this.o.speeds === "free-flow") {
      med = (d.segments[s]!.lengthKm / DEFAULT_SPEED_KMH[vehicleClass]) * 3600;
      source = "default";
    } else {
      med = d.travelTimeSeconds(s, this.slotOf(departMs), ci);
      source = d.travelTimeSource(s, this.slotOf(departMs), ci);
    }
    for (const { inc, upstream } of this.incidentBySegment.get(s) ?? []) {
      const from = inc.startMs + upstream * inc.spillMinutesPerSegment * 60_000;
      if (departMs >= from && departMs < inc.endMs) {
        const kmh = Math.min(upstream === 0 ? inc.speedKmh : inc.upstreamSpeedKmh, DEFAULT_SPEED_KMH[vehicleClass]);
        const slowed = (d.segments[s]!.lengthKm / kmh) * 3600;
        if (slowed > med) {
          med = slowed;
          source = upstream === 0 ? "incident" : "queue";
        }
      }
    }
    const bucket = Math.floor(departMs / SLOT_MS) * SLOT_MS;
    let byKey = this.pendingZ.get(bucket);
    if (!byKey) this.pendingZ.set(bucket, (byKey = new Map()));
    // Per key the draws are 0, z1, -z1, z2, -z2, ...: an odd-sized group has its median exactly on
    // the source median, an even-sized one within half its smallest deviation.
    const key = s * 8 + ci;
    const pending = byKey.get(key);
    let z: number;
    if (pending === undefined) {
      z = 0;
      byKey.set(key, Number.NaN);
    } else if (Number.isNaN(pending)) {
      z = this.rng.normal();
      byKey.set(key, z);
    } else {
      z = -pending;
      byKey.set(key, Number.NaN);
    }
    return { seconds: med * Math.exp(this.o.travelTimeSpread * z), median: med, source };
  }

  /**
   * When a vehicle on segment s from departMs, planned to leave it at arriveMs, leaves it if an
   * incident or its queue reaches the segment while it is on it (else arriveMs). It is taken to
   * drive at a constant speed, so at the moment T the segment slows it has covered
   * (T - depart) / (arrive - depart) of it; short of the blocked point (atFraction on the incident
   * segment, the downstream end on a queue segment) it drives the rest at the slowed speed from T:
   * it leaves at max(arrive, T + rest / speed). Past the point it is not held.
   */
  private heldUntil(s: number, departMs: number, arriveMs: number, vehicleClass: VehicleClass): number {
    let out = arriveMs;
    for (const { inc, upstream } of this.incidentBySegment.get(s) ?? []) {
      const from = inc.startMs + upstream * inc.spillMinutesPerSegment * 60_000;
      if (!(departMs < from && arriveMs > from && from < inc.endMs)) continue;
      const covered = (from - departMs) / (arriveMs - departMs);
      if (covered >= (upstream === 0 ? inc.atFraction : 1)) continue;
      const kmh = Math.min(upstream === 0 ? inc.speedKmh : inc.upstreamSpeedKmh, DEFAULT_SPEED_KMH[vehicleClass]);
      const restMs = Math.round((((1 - covered) * this.o.data.segments[s]!.lengthKm) / kmh) * 3_600_000);
      out = Math.max(out, from + restMs);
    }
    return out;
  }

  /** Trajectories start at or after the current trip start, so older buckets never pair again. */
  private sweep(tripStartMs: number): void {
    const bucket = Math.floor(tripStartMs / SLOT_MS) * SLOT_MS;
    if (bucket <= this.sweptBucket) return;
    this.sweptBucket = bucket;
    for (const b of this.pendingZ.keys()) if (b < bucket) this.pendingZ.delete(b);
    for (const b of this.bottleneckBySegment.values()) b.forgetBefore(bucket);
  }

  private pushPassage(
    gantryId: string,
    ts: number,
    vehicleClass: VehicleClass,
    tag: string | undefined,
    plate: string | undefined,
    registered: boolean,
    segment: TravelTimeRecord | undefined,
  ): void {
    const rng = this.rng;
    const lane = rng.int(1, this.o.lanes);
    const make = (at: number, ln: number): WireRead => {
      const r: WireRead = tag ? { tag, ts: iso(at), lane: ln, class: vehicleClass } : { plate: plate!, ts: iso(at), lane: ln, class: vehicleClass };
      if (!tag) r.conf = Math.round((0.85 + rng.next() * 0.14) * 100) / 100;
      return r;
    };
    const gantryIndex = this.gantryIndex.get(gantryId)!;
    const classIdx = classIndex(vehicleClass);
    this.heap.push({
      ts,
      seq: this.seq++,
      out: { gantryId, read: make(ts, lane), tsMs: ts, kind: "passage" },
      gantryIndex,
      classIdx,
      vehicleClass,
      registered,
      segment,
    });
    let emitted = 1;
    if (rng.chance(this.o.duplicateRate)) {
      const extra = rng.int(1, 2);
      let at = ts;
      for (let i = 0; i < extra; i++) {
        at += rng.int(150, 1500);
        const ln = Math.min(this.o.lanes, Math.max(1, lane + rng.int(-1, 1)));
        this.heap.push({
          ts: at,
          seq: this.seq++,
          out: { gantryId, read: make(at, ln), tsMs: at, kind: "duplicate" },
          gantryIndex,
          classIdx,
          vehicleClass,
          registered,
          segment: undefined,
        });
        emitted++;
      }
    }
    // A share m of all reads malformed means m / (1 - m) junk reads per good read.
    const perGood = this.o.malformedRate / (1 - this.o.malformedRate);
    for (let i = 0; i < emitted; i++) if (rng.chance(perGood)) this.pushMalformed(gantryId, ts + rng.int(0, 2000), vehicleClass);
  }

  private pushMalformed(gantryId: string, ts: number, vehicleClass: VehicleClass): void {
    const kind = MALFORMED_KINDS[this.rng.int(0, MALFORMED_KINDS.length - 1)]!;
    // Junk never reuses a vehicle's tag, so it cannot shadow a real passage in duplicate removal.
    const junkTag = `DEADBEEF${this.seedHex}${hex8(this.junkCount++)}`;
    const lane = this.rng.int(1, this.o.lanes);
    let read: WireRead;
    switch (kind) {
      case "bad_tag":
        read = { tag: `XYZ-${this.junkCount}`, ts: iso(ts), lane, class: vehicleClass };
        break;
      case "bad_class":
        read = { tag: junkTag, ts: iso(ts), lane, class: 7 };
        break;
      case "no_id":
        read = { ts: iso(ts), lane, class: vehicleClass };
        break;
      case "bad_ts":
        read = { tag: junkTag, ts: this.junkCount % 2 ? "not-a-time" : "2024-13-45T99:99:99Z", lane, class: vehicleClass };
        break;
    }
    this.heap.push({
      ts,
      seq: this.seq++,
      out: { gantryId, read, tsMs: ts, kind: "malformed", malformed: kind },
      gantryIndex: -1,
      classIdx: -1,
      vehicleClass,
      registered: false,
      segment: undefined,
    });
  }

  private emit(p: Pending): SimulatedRead {
    const truth = this.truth;
    truth.firstMs = Math.min(truth.firstMs, p.ts);
    truth.lastMs = Math.max(truth.lastMs, p.ts);
    if (p.out.kind === "passage") {
      truth.passages++;
      if (p.out.read.tag) truth.taggedPassages++;
      if (p.registered) truth.registeredPassages++;
      truth.countPassage(p.ts, p.gantryIndex, p.classIdx);
      if (p.segment && this.o.collectTravelTimes) truth.travelTimes.push(p.segment);
    } else if (p.out.kind === "duplicate") truth.duplicates++;
    else truth.malformed[p.out.malformed!]++;
    return p.out;
  }
}

/** Convenience: a model and its reads; the truth is complete once the iterable is exhausted. */
export function generateReads(options: TrafficModelOptions): { reads: Iterable<SimulatedRead>; truth: GroundTruth; model: TrafficModel } {
  const model = new TrafficModel(options);
  return { reads: { [Symbol.iterator]: () => model.reads() }, truth: model.truth, model };
}

const iso = (ms: number) => new Date(ms).toISOString();
