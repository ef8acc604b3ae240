import type { Queryable } from "../../core/db/database.ts";
import { CLASS_COUNT, classIndex } from "../../core/vehicle/vehicle-class.ts";
import type { SegmentNetwork } from "../network/segment-network.ts";

export const SLOTS_PER_DAY = 288;
const SLOT_MS = 300_000;

/** One 5-min median of the history: segment index, slot of the local day, class index, seconds. */
export interface ProfileRow {
  segment: number;
  slot: number;
  cls: number;
  travelTimeS: number;
}

/**
 * The time-of-day travel-time distribution the detector judges vehicles by: per segment, 5-min slot
 * of the local day and class, the median over the history's days of the 5-min median travel
 * times (segment_stats). A cell without history falls back to the car median of the slot, then to
 * length / free-flow speed.
 */
export class TravelTimeProfile {
  private readonly cells: Float32Array[];

  constructor(
    private readonly network: SegmentNetwork,
    rows: Iterable<ProfileRow>,
    /** Local time offset from UTC (Taipei: +8 h), for the slot of the day. */
    readonly utcOffsetMs: number,
  ) {
    const samples = new Map<number, number[]>();
    const cellsPerSegment = SLOTS_PER_DAY * CLASS_COUNT;
    for (const r of rows) {
      if (!(r.travelTimeS > 0) || r.segment < 0 || r.cls < 0) continue;
      const key = r.segment * cellsPerSegment + r.slot * CLASS_COUNT + r.cls;
      const list = samples.get(key);
      if (list) list.push(r.travelTimeS);
      else samples.set(key, [r.travelTimeS]);
    }
    this.cells = network.segments.map(() => new Float32Array(cellsPerSegment).fill(Number.NaN));
    for (const [key, list] of samples) {
      list.sort((a, b) => a - b);
      const m = list.length >> 1;
      const median = list.length % 2 ? list[m]! : (list[m - 1]! + list[m]!) / 2;
      this.cells[Math.floor(key / cellsPerSegment)]![key % cellsPerSegment] = median;
    }
  }

  slotOf(ms: number): number {
    const local = ms + this.utcOffsetMs;
    return Math.floor((((local % 86_400_000) + 86_400_000) % 86_400_000) / SLOT_MS);
  }

  /** Expected (median) travel time in seconds. */
  medianS(segment: number, slot: number, cls: number): number {
    const row = this.cells[segment]!;
    const v = row[slot * CLASS_COUNT + (cls >= 0 ? cls : 0)]!;
    if (v > 0) return v;
    const car = row[slot * CLASS_COUNT]!;
    if (car > 0) return car;
    return (this.network.lengthKm[segment]! / this.network.freeFlowKmh[segment]!) * 3600;
  }

  /** Free-flow travel time (length / free-flow speed), seconds. */
  freeFlowS(segment: number): number {
    return (this.network.lengthKm[segment]! / this.network.freeFlowKmh[segment]!) * 3600;
  }

  /**
   * From segment_stats: the computed history of the last `days` days, and TDCS M04A imports where a
   * cell has no computed row. One query, grouped in the database.
   */
  static async load(db: Queryable, network: SegmentNetwork, opts: { nowMs: number; days: number; timeZone: string; utcOffsetMs: number }) {
    const rows = await db.query<{ f: string; g: string; c: number; slot: number; tt: number }>(
      `with h as (
         select from_gantry, to_gantry, vehicle_class, source, travel_time_s,
                (extract(hour from bucket at time zone $3) * 12 + floor(extract(minute from bucket at time zone $3) / 5))::int as slot
           from segment_stats where bucket >= $1 and bucket < $2 and travel_time_s > 0 and volume > 0),
       pick as (
         select from_gantry, to_gantry, vehicle_class, slot, min(source) as source from h group by 1, 2, 3, 4)
       select h.from_gantry as f, h.to_gantry as g, h.vehicle_class as c, h.slot,
              percentile_cont(0.5) within group (order by h.travel_time_s)::float8 as tt
         from h join pick p using (from_gantry, to_gantry, vehicle_class, slot)
        where h.source = p.source
        group by 1, 2, 3, 4`,
      [new Date(opts.nowMs - opts.days * 86_400_000), new Date(opts.nowMs), opts.timeZone],
    );
    // 'computed' sorts before 'tdcs': min(source) prefers the tags' own history.
    return new TravelTimeProfile(
      network,
      rows.map((r) => ({ segment: network.segment(r.f, r.g), slot: r.slot, cls: classIndex(r.c), travelTimeS: r.tt })),
      opts.utcOffsetMs,
    );
  }
}
