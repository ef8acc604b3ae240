import { createHash } from "node:crypto";
import { basename } from "node:path";
import { parseCsvRows, readCsvText } from "../../core/csv/csv.ts";
import type { Database } from "../../core/db/database.ts";
import { TollwayError } from "../../core/errors/tollway-error.ts";
import { LocalCalendar } from "../../core/time/local-time.ts";
import { detectProduct, parseCount, parsePair, parseTrip, type TdcsProduct } from "./tdcs-format.ts";

/**
 * Imports TDCS files into the tables the system computes itself, with source 'tdcs': M03A into
 * vehicle_counts, M04A/M05A into segment_stats (travel time resp. speed of the same row), M06A into
 * trips. Every write is an upsert on the natural key, so importing a file twice changes nothing.
 * Gantry pairs outside road_segments (ramps, U-turns, older gantries) are kept as published.
 */
export interface ImportReport {
  file: string;
  product: TdcsProduct;
  rows: number;
  seconds: number;
}

export type ImportProgress = (file: string, done: number, total: number) => void;

export interface TdcsImporterOptions {
  /** CSV rows per write (default 100 000); the PGlite TimescaleDB test server drops large statements. */
  batchRows?: number;
}

export class TdcsImporter {
  private readonly calendar: LocalCalendar;

  constructor(
    private readonly db: Database,
    timeZone: string,
    private readonly opts: TdcsImporterOptions = {},
  ) {
    this.calendar = new LocalCalendar(timeZone);
  }

  async importFile(path: string, onProgress?: ImportProgress): Promise<ImportReport> {
    const started = performance.now();
    const rows = parseCsvRows(readCsvText(path));
    if (rows.length === 0) throw new TollwayError("bad_request", `${path}: empty file`);
    if (!/^\d/.test(rows[0]![0]!)) throw new TollwayError("bad_request", `${path}: TDCS files have no header row, found ${rows[0]!.slice(0, 3).join(",")}`);
    const product = detectProduct(rows, basename(path));
    const batch = this.opts.batchRows ?? 100_000;
    for (let i = 0; i < rows.length; i += batch) {
      await this.importRows(product, rows.slice(i, i + batch), i + 1);
      onProgress?.(path, Math.min(rows.length, i + batch), rows.length);
    }
    return { file: path, product, rows: rows.length, seconds: (performance.now() - started) / 1000 };
  }

  /** Imports parsed CSV rows of one product; `firstLine` numbers errors. */
  async importRows(product: TdcsProduct, rows: readonly string[][], firstLine = 1): Promise<number> {
    const tz = this.calendar;
    switch (product) {
      case "M03A": {
        const byKey = new Map(rows.map((r, i) => parseCount(r, tz, firstLine + i)).map((c) => [`${c.bucketMs}|${c.gantryId}|${c.vehicleClass}`, c]));
        const list = [...byKey.values()];
        await this.db.query(
          `insert into vehicle_counts (bucket, gantry_id, direction, vehicle_class, source, volume)
           select b, g, d, c, 'tdcs', v from unnest($1::timestamptz[], $2::text[], $3::text[], $4::smallint[], $5::int[]) as u(b, g, d, c, v)
           on conflict (bucket, gantry_id, vehicle_class, source) do update set volume = excluded.volume, direction = excluded.direction`,
          [
            list.map((c) => new Date(c.bucketMs)),
            list.map((c) => c.gantryId),
            list.map((c) => c.direction),
            list.map((c) => c.vehicleClass),
            list.map((c) => c.volume),
          ],
        );
        return list.length;
      }
      case "M04A":
      case "M05A": {
        const byKey = new Map(
          rows.map((r, i) => parsePair(r, tz, firstLine + i)).map((p) => [`${p.bucketMs}|${p.fromGantry}|${p.toGantry}|${p.vehicleClass}`, p]),
        );
        const column = product === "M04A" ? "travel_time_s" : "speed_kmh";
        const list = [...byKey.values()];
        const upsert = (from: string) =>
          `insert into segment_stats (bucket, from_gantry, to_gantry, vehicle_class, source, ${column}, volume)
           select b, f, t, c, 'tdcs', x, v from ${from}
           on conflict (bucket, from_gantry, to_gantry, vehicle_class, source) do update set ${column} = excluded.${column}, volume = excluded.volume`;
        // Whole days are ~600 k rows: COPY into a scratch table, then one set-based upsert.
        await this.db.tx(async (tx) => {
          await tx.query("create temp table tdcs_stage (b timestamptz, f text, t text, c smallint, x real, v integer) on commit drop");
          await tx.bulkInsert(
            "tdcs_stage",
            [
              { name: "b", type: "timestamptz" },
              { name: "f", type: "text" },
              { name: "t", type: "text" },
              { name: "c", type: "smallint" },
              { name: "x", type: "real" },
              { name: "v", type: "integer" },
            ],
            list.map((p) => [new Date(p.bucketMs), p.fromGantry, p.toGantry, p.vehicleClass, p.value, p.volume]),
          );
          await tx.query(upsert("tdcs_stage"));
        });
        return byKey.size;
      }
      case "M06A": {
        // M06A has no vehicle id: the row's content is its identity (with an occurrence number, so two
        // identical trips in one file stay two).
        const seen = new Map<string, number>();
        const keys: string[] = [];
        const trips = rows.map((r, i) => {
          const h = createHash("sha1").update(r.join(",")).digest("hex").slice(0, 20);
          const n = (seen.get(h) ?? 0) + 1;
          seen.set(h, n);
          keys.push(`tdcs:${h}:${n}`);
          return parseTrip(r, tz, firstLine + i);
        });
        await this.db.query(
          `insert into trips (start_ts, end_ts, vehicle_key, vehicle_class, start_gantry, end_gantry, length_km, trip_end, path, source)
           select s, e, k, c, sg, eg, l, te, p, 'tdcs'
             from unnest($1::timestamptz[], $2::timestamptz[], $3::text[], $4::smallint[], $5::text[], $6::text[], $7::numeric[], $8::boolean[], $9::jsonb[])
               as u(s, e, k, c, sg, eg, l, te, p)
           on conflict (source, vehicle_key, start_ts) do update set end_ts = excluded.end_ts, vehicle_class = excluded.vehicle_class,
             start_gantry = excluded.start_gantry, end_gantry = excluded.end_gantry, length_km = excluded.length_km,
             trip_end = excluded.trip_end, path = excluded.path`,
          [
            trips.map((t) => new Date(t.startMs)),
            trips.map((t) => new Date(t.endMs)),
            keys,
            trips.map((t) => t.vehicleClass),
            trips.map((t) => t.startGantry),
            trips.map((t) => t.endGantry),
            trips.map((t) => t.lengthKm),
            trips.map((t) => t.tripEnd),
            trips.map((t) => JSON.stringify(t.path)),
          ],
        );
        return trips.length;
      }
    }
  }
}
