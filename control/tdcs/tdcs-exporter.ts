import type { Database } from "../../core/db/database.ts";
import { LocalCalendar } from "../../core/time/local-time.ts";
import { floorInterval } from "../interval/interval.ts";
import { formatCount, formatPair, formatTrip, type TdcsProduct } from "./tdcs-format.ts";

/**
 * Publishes the system's traffic data in the Bureau's layouts, one line per row, in time order
 * (then gantry, then vehicle type 31, 32, 41, 42, 5). Rows are read an hour at a time, so a long
 * period streams in bounded memory. source 'computed' is what the system derived from its own
 * reads (for M03A the ingest's counts); 'tdcs' is what was imported.
 */
export interface ExportFilter {
  source?: "computed" | "tdcs";
  /** M03A: this gantry; M04A/M05A: segments starting here; M06A: trips starting here. */
  fromGantry?: string;
  toGantry?: string;
}

const CHUNK_MS = 3600_000;
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
        for (const r of rows) yield formatCount({ bucketMs: r.b.getTime(), gantryId: r.g, direction: r.d, vehicleClass: r.c, volume: r.v }, tz);
      } else if (product === "M04A" || product === "M05A") {
        const column = product === "M04A" ? "travel_time_s" : "speed_kmh";
        const rows = await this.db.query<{ b: Date; f: string; g: string; c: number; x: number | null; v: number }>(
          `select bucket as b, from_gantry as f, to_gantry as g, vehicle_class as c, ${column} as x, volume as v from segment_stats
            where source = $1 and bucket >= $2 and bucket < $3 and ($4::text is null or from_gantry = $4) and ($5::text is null or to_gantry = $5)
            order by bucket, from_gantry, to_gantry, ${CLASS_ORDER}`,
          [source, a, b, filter.fromGantry ?? null, filter.toGantry ?? null],
        );
        for (const r of rows) yield formatPair({ bucketMs: r.b.getTime(), fromGantry: r.f, toGantry: r.g, vehicleClass: r.c, value: r.x, volume: r.v }, tz);
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
}
