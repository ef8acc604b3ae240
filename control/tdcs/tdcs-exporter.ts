import type { Database } from "../../core/db/database.ts";
import { LocalCalendar } from "../../core/time/local-time.ts";
import { floorInterval } from "../interval/interval.ts";
import { VEHICLE_CLASSES } from "../../core/vehicle/vehicle-class.ts";
import { NetworkHistory, type VersionGrid } from "../network/network-history.ts";
import { formatCount, formatPair, formatTrip, m03aDirection, type PairRow, type TdcsProduct } from "./tdcs-format.ts";

/**
 * Publishes the system's traffic data in the Bureau's layouts, one line per row, in time order
 * (then gantry, then vehicle type 31, 32, 41, 42, 5). Rows are read an hour at a time, so a long
 * period streams in bounded memory. source 'computed' is what the system derived from its own
 * reads (for M03A the ingest's counts); 'tdcs' is what was imported.
 */
export interface ExportFilter {
  source?: "computed" | "tdcs";
  /**
   * M03A/M04A/M05A: 'network' (default) writes, like the Bureau, a row for every gantry (M03A) or
   * published pair (M04A/M05A) of the network version in force at each interval and every class,
   * 0 where nothing was counted; 'stored' writes only the stored rows.
   */
  zeroRows?: "network" | "stored";
  /** M03A: this gantry; M04A/M05A: segments starting here; M06A: trips starting here. */
  fromGantry?: string;
  toGantry?: string;
}

const CHUNK_MS = 3600_000;
const FIVE_MIN = 300_000;
const CLASS_ORDER = "case vehicle_class when 5 then 99 else vehicle_class end";

export class TdcsExporter {
  private readonly calendar: LocalCalendar;

  constructor(
    private readonly db: Database,
    timeZone: string,
  ) {
    this.calendar = new LocalCalendar(timeZone);
  }

  async *lines(product: TdcsProduct, fromMs: number, toMs: number, filter: ExportFilter = {}): AsyncGenerator<string> {
    const source = filter.source ?? "computed";
    const tz = this.calendar;
    const start = product === "M06A" ? fromMs : floorInterval(fromMs);
    const history = product !== "M06A" && (filter.zeroRows ?? "network") === "network" ? await NetworkHistory.load(this.db) : undefined;
    for (let t = start; t < toMs; t += CHUNK_MS) {
      const a = new Date(t);
      const b = new Date(Math.min(toMs, t + CHUNK_MS));
      if (product === "M03A") {
        const rows = await this.db.query<{ b: Date; g: string; d: string; c: number; v: number }>(
          `select bucket as b, gantry_id as g, direction as d, vehicle_class as c, volume as v from vehicle_counts
            where source = $1 and bucket >= $2 and bucket < $3 and ($4::text is null or gantry_id = $4)
            order by bucket, gantry_id, ${CLASS_ORDER}`,
          [source === "tdcs" ? "tdcs" : "ingest", a, b, filter.fromGantry ?? null],
        );
        const stored = rows.map((r) => ({ bucketMs: r.b.getTime(), gantryId: r.g, direction: r.d, vehicleClass: r.c, volume: r.v }));
        if (!history) for (const c of stored) yield formatCount(c, tz);
        else {
          for (const c of this.fill(
            stored,
            t,
            b.getTime(),
            history,
            (v) => gantryGrid(v, filter),
            (c) => c.gantryId,
            (bucketMs, key, direction, vehicleClass) => ({ bucketMs, gantryId: key, direction: m03aDirection(key, direction), vehicleClass, volume: 0 }),
          ))
            yield formatCount(c, tz);
        }
      } else if (product === "M04A" || product === "M05A") {
        const column = product === "M04A" ? "travel_time_s" : "speed_kmh";
        const rows = await this.db.query<{ b: Date; f: string; g: string; c: number; x: number | null; v: number }>(
          `select bucket as b, from_gantry as f, to_gantry as g, vehicle_class as c, ${column} as x, volume as v from segment_stats
            where source = $1 and bucket >= $2 and bucket < $3 and ($4::text is null or from_gantry = $4) and ($5::text is null or to_gantry = $5)
            order by bucket, from_gantry, to_gantry, ${CLASS_ORDER}`,
          [source, a, b, filter.fromGantry ?? null, filter.toGantry ?? null],
        );
        const stored = rows.map((r) => ({ bucketMs: r.b.getTime(), fromGantry: r.f, toGantry: r.g, vehicleClass: r.c, value: r.x, volume: r.v }));
        if (!history) for (const p of stored) yield formatPair(p, tz);
        else {
          const zero = (bucketMs: number, key: string, _d: string, vehicleClass: number): PairRow => {
            const [fromGantry, toGantry] = key.split(">") as [string, string];
            return { bucketMs, fromGantry, toGantry, vehicleClass, value: null, volume: 0 };
          };
          for (const p of this.fill(
            stored,
            t,
            b.getTime(),
            history,
            (v) => pairGrid(v, filter),
            (p) => `${p.fromGantry}>${p.toGantry}`,
            zero,
          ))
            yield formatPair(p, tz);
        }
      } else {
        const rows = await this.db.query<{ s: Date; e: Date; sg: string; eg: string; c: number; l: number; te: boolean; p: { ts: string; gantry: string }[] }>(
          `select start_ts as s, end_ts as e, start_gantry as sg, end_gantry as eg, vehicle_class as c, length_km as l, trip_end as te, path as p
             from trips where source = $1 and start_ts >= $2 and start_ts < $3 and ($4::text is null or start_gantry = $4)
            order by start_ts, vehicle_key`,
          [source, a, b, filter.fromGantry ?? null],
        );
        for (const r of rows) {
          yield formatTrip(
            {
              vehicleClass: r.c,
              startMs: r.s.getTime(),
              startGantry: r.sg,
              endMs: r.e.getTime(),
              endGantry: r.eg,
              lengthKm: Number(r.l),
              tripEnd: r.te,
              path: r.p,
            },
            tz,
          );
        }
      }
    }
  }

  /**
   * Stored rows of [fromMs, toMs) (in time, key, class order) merged with the grid of each interval's
   * network version: a grid key without a stored row of a class gets a zero row; stored rows outside
   * the grid (unplaced at import) come out as stored.
   */
  private *fill<R extends { bucketMs: number; vehicleClass: number }>(
    stored: readonly R[],
    fromMs: number,
    toMs: number,
    history: NetworkHistory,
    grid: (v: VersionGrid) => Map<string, string>,
    keyOf: (r: R) => string,
    zero: (bucketMs: number, key: string, direction: string, vehicleClass: number) => R,
  ): Generator<R> {
    let i = 0;
    const grids = new Map<string, { keys: string[]; dirs: Map<string, string> }>();
    for (let bucket = fromMs; bucket < toMs; bucket += FIVE_MIN) {
      const v = history.at(bucket);
      let g = v ? grids.get(v.code) : undefined;
      if (v && !g) {
        const m = grid(v);
        g = { keys: [...m.keys()].sort(), dirs: m };
        grids.set(v.code, g);
      }
      const here = new Map<string, Map<number, R>>();
      while (i < stored.length && stored[i]!.bucketMs < bucket + FIVE_MIN) {
        const r = stored[i++]!;
        const k = keyOf(r);
        let byClass = here.get(k);
        if (!byClass) here.set(k, (byClass = new Map()));
        byClass.set(r.vehicleClass, r);
      }
      const keys = g ? [...new Set([...g.keys, ...here.keys()])].sort() : [...here.keys()].sort();
      for (const k of keys) {
        const byClass = here.get(k);
        const inGrid = g?.dirs.has(k) ?? false;
        for (const c of VEHICLE_CLASSES) {
          const r = byClass?.get(c);
          if (r) yield r;
          else if (inGrid) yield zero(bucket, k, g!.dirs.get(k)!, c);
        }
      }
    }
  }
}

/** M03A grid: the version's gantries (id -> direction), within the filter. */
function gantryGrid(v: VersionGrid, f: ExportFilter): Map<string, string> {
  return new Map([...v.gantries].filter(([id]) => f.fromGantry === undefined || id === f.fromGantry));
}

/** M04A/M05A grid: the version's segments and links ("from>to"), within the filter. */
function pairGrid(v: VersionGrid, f: ExportFilter): Map<string, string> {
  const out = new Map<string, string>();
  for (const k of v.pairs.keys()) {
    const [from, to] = k.split(">");
    if ((f.fromGantry === undefined || from === f.fromGantry) && (f.toGantry === undefined || to === f.toGantry)) out.set(k, "");
  }
  return out;
}
