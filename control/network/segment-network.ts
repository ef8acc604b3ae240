import type { Queryable } from "../../core/db/database.ts";
import { TollwayError } from "../../core/errors/tollway-error.ts";

/**
 * The road network as the traffic algorithms see it: gantries and segments by dense index, so the
 * hot loops work on typed arrays and integer lookups instead of strings.
 */
export interface SegmentDef {
  fromGantry: string;
  toGantry: string;
  freeway: string;
  direction: string;
  lengthKm: number;
  freeFlowKmh: number;
}

export interface GantryDef {
  id: string;
  km: number;
}

export class SegmentNetwork {
  readonly gantryIds: string[];
  readonly gantryKm: Float64Array;
  readonly segments: readonly SegmentDef[];
  readonly segFrom: Int32Array;
  readonly segTo: Int32Array;
  readonly lengthKm: Float64Array;
  readonly freeFlowKmh: Float64Array;
  /** Index of the segment directly downstream (starting where this one ends), or -1. */
  readonly downstream: Int32Array;
  /** Index of the segment directly upstream (ending where this one starts), or -1. */
  readonly upstream: Int32Array;
  private readonly gantryIndex = new Map<string, number>();
  private readonly pairToSegment: Int32Array;
  private readonly segmentIndex = new Map<string, number>();
  /** The network version it was loaded for (null: the current tables). */
  version: string | null = null;

  constructor(gantries: readonly GantryDef[], segments: readonly SegmentDef[]) {
    this.gantryIds = [];
    const kms: number[] = [];
    const addGantry = (id: string, km: number) => {
      if (this.gantryIndex.has(id)) return;
      this.gantryIndex.set(id, this.gantryIds.length);
      this.gantryIds.push(id);
      kms.push(km);
    };
    for (const g of gantries) addGantry(g.id, g.km);
    // Segments may name gantries the list lacks; their km comes from the TDCS id (01F0017N = km 1.7).
    for (const s of segments) {
      addGantry(s.fromGantry, kmFromGantryId(s.fromGantry));
      addGantry(s.toGantry, kmFromGantryId(s.toGantry));
    }
    this.gantryKm = Float64Array.from(kms);
    this.segments = segments;
    const n = segments.length;
    const g = this.gantryIds.length;
    this.segFrom = new Int32Array(n);
    this.segTo = new Int32Array(n);
    this.lengthKm = new Float64Array(n);
    this.freeFlowKmh = new Float64Array(n);
    this.pairToSegment = new Int32Array(g * g).fill(-1);
    const bySource = new Int32Array(g).fill(-1);
    const byTarget = new Int32Array(g).fill(-1);
    segments.forEach((s, i) => {
      const f = this.gantryIndex.get(s.fromGantry)!;
      const t = this.gantryIndex.get(s.toGantry)!;
      if (!(s.lengthKm > 0)) throw new TollwayError("internal", `segment ${s.fromGantry}->${s.toGantry} has no length`);
      this.segFrom[i] = f;
      this.segTo[i] = t;
      this.lengthKm[i] = s.lengthKm;
      this.freeFlowKmh[i] = s.freeFlowKmh;
      this.pairToSegment[f * g + t] = i;
      this.segmentIndex.set(`${s.fromGantry}>${s.toGantry}`, i);
      bySource[f] = i;
      byTarget[t] = i;
    });
    this.downstream = new Int32Array(n);
    this.upstream = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      this.downstream[i] = bySource[this.segTo[i]!]!;
      this.upstream[i] = byTarget[this.segFrom[i]!]!;
    }
  }

  get gantryCount(): number {
    return this.gantryIds.length;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  gantry(id: string): number {
    return this.gantryIndex.get(id) ?? -1;
  }

  /** The segment from gantry index f to gantry index t, or -1. */
  segmentBetween(f: number, t: number): number {
    if (f < 0 || t < 0) return -1;
    return this.pairToSegment[f * this.gantryIds.length + t]!;
  }

  segment(fromGantry: string, toGantry: string): number {
    return this.segmentIndex.get(`${fromGantry}>${toGantry}`) ?? -1;
  }

  /**
   * Loads gantries and road segments from the database: with `atMs`, the network version in force
   * then (sql/650: mainline chains of that version); without, the current network (gantries,
   * road_segments).
   */
  static async load(db: Queryable, atMs?: number): Promise<SegmentNetwork> {
    type SegmentRow = { from_gantry: string; to_gantry: string; freeway: string; direction: string; length_km: number; free_flow_kmh: number };
    let gantries: { id: string; km: number }[];
    let segments: SegmentRow[];
    let version: string | null = null;
    if (atMs === undefined) {
      gantries = await db.query<{ id: string; km: number }>("select id, km from gantries order by id");
      segments = await db.query<SegmentRow>(
        "select from_gantry, to_gantry, freeway, direction, length_km, free_flow_kmh from road_segments order by freeway, direction, from_gantry",
      );
    } else {
      version = (await db.one<{ v: string | null }>("select network_version_at($1) as v", [new Date(atMs)])).v;
      if (version === null) throw new TollwayError("unprocessable", `no network version is valid at ${new Date(atMs).toISOString()}`);
      gantries = await db.query<{ id: string; km: number }>("select id, km from network_gantries where version = $1 order by id", [version]);
      segments = await db.query<SegmentRow>(
        `select from_gantry, to_gantry, freeway, direction, length_km, free_flow_kmh from network_segments
          where version = $1 and kind = 'mainline' order by freeway, direction, from_gantry`,
        [version],
      );
    }
    const net = new SegmentNetwork(
      gantries.map((g) => ({ id: g.id, km: Number(g.km) })),
      segments.map((s) => ({
        fromGantry: s.from_gantry,
        toGantry: s.to_gantry,
        freeway: s.freeway,
        direction: s.direction,
        lengthKm: Number(s.length_km),
        freeFlowKmh: Number(s.free_flow_kmh),
      })),
    );
    net.version = version;
    return net;
  }
}

/** km encoded in a TDCS gantry id: 01F0017N -> 1.7, 03F3981S -> 398.1; NaN when the id has no km. */
export function kmFromGantryId(id: string): number {
  const m = /^\d{2}[A-Z](\d{4})[A-Z]$/.exec(id);
  return m ? Number(m[1]) / 10 : Number.NaN;
}
