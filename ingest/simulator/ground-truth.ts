import { CLASS_COUNT, VEHICLE_CLASSES, type VehicleClass } from "../../core/vehicle/vehicle-class.ts";
import { MALFORMED_KINDS, type MalformedKind } from "./simulated-read.ts";
import { SLOT_MS, type TravelTimeSource } from "./traffic-data.ts";

export interface TravelTimeRecord {
  vehicle: string;
  vehicleClass: VehicleClass;
  fromGantry: string;
  toGantry: string;
  /** Read time at fromGantry: its 5-min bucket is the M04A interval. */
  departMs: number;
  arriveMs: number;
  seconds: number;
  /** The median the vehicle's time was drawn around, and where it came from. */
  medianSeconds: number;
  /**
   * "bottleneck": the time includes a wait in a capacity's queue; "held": the vehicle was on the
   * segment, short of the blocked point, when an incident or its queue reached it (medianSeconds is
   * the time without the wait or the hold).
   */
  source: TravelTimeSource | "incident" | "queue" | "bottleneck" | "held";
}

export interface CountRow {
  bucketMs: number;
  gantryId: string;
  direction: string;
  vehicleClass: VehicleClass;
  volume: number;
}

export interface TravelTimeGroup {
  fromGantry: string;
  toGantry: string;
  vehicleClass: VehicleClass;
  bucketMs: number;
  count: number;
  /** Median of the generated travel times (mean of the middle two for even counts). */
  medianSeconds: number;
  /** Median of the source (M04A/M05A/default, or the incident speed) for that interval. */
  sourceMedianSeconds: number;
}

/** What was actually emitted, so tests can compare what the system computes with it exactly. */
export class GroundTruth {
  /** Passages per 5-min bucket index: [gantry index * 5 + class index]; see countRows(). */
  private readonly counts = new Map<number, Int32Array>();
  readonly travelTimes: TravelTimeRecord[] = [];
  /** Trips generated (journeys). */
  trips = 0;
  /**
   * Trips as a builder that ends a trip after tripGapMs without a read sees them: a generated trip
   * counts once more for each segment slower than that (the real M04A has medians over 30 min).
   */
  gapTrips = 0;
  passages = 0;
  taggedPassages = 0;
  registeredPassages = 0;
  duplicates = 0;
  readonly malformed: Record<MalformedKind, number> = { bad_tag: 0, bad_class: 0, no_id: 0, bad_ts: 0 };
  readonly tripsByClass: Record<number, number> = Object.fromEntries(VEHICLE_CLASSES.map((c) => [c, 0]));
  taggedTrips = 0;
  /** Trips deterred by a price that ended before the priced section, or never started (demandResponse). */
  diverted = 0;
  /** Trips deterred by a price that left later instead (each counted once; deciding again then). */
  shifted = 0;
  firstMs = Infinity;
  lastMs = -Infinity;

  constructor(
    private readonly gantryIds: readonly string[],
    private readonly directionOf: (gantryId: string) => string,
  ) {}

  /** Counts one passage (called by the model as it emits). */
  countPassage(tsMs: number, gantryIndex: number, classIdx: number): void {
    const bucket = Math.floor(tsMs / SLOT_MS);
    let cells = this.counts.get(bucket);
    if (!cells) this.counts.set(bucket, (cells = new Int32Array(this.gantryIds.length * CLASS_COUNT)));
    cells[gantryIndex * CLASS_COUNT + classIdx]!++;
  }

  get malformedTotal(): number {
    return MALFORMED_KINDS.reduce((a, k) => a + this.malformed[k], 0);
  }

  get reads(): number {
    return this.passages + this.duplicates + this.malformedTotal;
  }

  /** M03A: passages per 5-min bucket (UTC-aligned, which is Taipei-aligned too), gantry and class. */
  countRows(): CountRow[] {
    const rows: CountRow[] = [];
    for (const [bucket, cells] of this.counts) {
      for (let i = 0; i < cells.length; i++) {
        const volume = cells[i]!;
        if (volume === 0) continue;
        const gantryId = this.gantryIds[Math.floor(i / CLASS_COUNT)]!;
        rows.push({ bucketMs: bucket * SLOT_MS, gantryId, direction: this.directionOf(gantryId), vehicleClass: VEHICLE_CLASSES[i % CLASS_COUNT]!, volume });
      }
    }
    return rows.sort((a, b) => a.bucketMs - b.bucketMs || a.gantryId.localeCompare(b.gantryId) || a.vehicleClass - b.vehicleClass);
  }

  /** M04A: per segment, class and 5-min interval of departure. */
  travelTimeGroups(minCount = 1): TravelTimeGroup[] {
    const groups = new Map<string, TravelTimeRecord[]>();
    for (const r of this.travelTimes) {
      const key = `${r.fromGantry}|${r.toGantry}|${r.vehicleClass}|${Math.floor(r.departMs / SLOT_MS) * SLOT_MS}`;
      let list = groups.get(key);
      if (!list) groups.set(key, (list = []));
      list.push(r);
    }
    const out: TravelTimeGroup[] = [];
    for (const [key, list] of groups) {
      if (list.length < minCount) continue;
      const [fromGantry, toGantry, cls, bucket] = key.split("|");
      out.push({
        fromGantry: fromGantry!,
        toGantry: toGantry!,
        vehicleClass: Number(cls) as VehicleClass,
        bucketMs: Number(bucket),
        count: list.length,
        medianSeconds: median(list.map((r) => r.seconds)),
        sourceMedianSeconds: median(list.map((r) => r.medianSeconds)),
      });
    }
    return out.sort((a, b) => a.bucketMs - b.bucketMs || a.fromGantry.localeCompare(b.fromGantry) || a.vehicleClass - b.vehicleClass);
  }
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
