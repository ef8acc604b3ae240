import { createHash } from "node:crypto";
import { basename } from "node:path";
import { parseCsvRows, readCsvText } from "../../core/csv/csv.ts";
import type { Database } from "../../core/db/database.ts";
import { TollwayError } from "../../core/errors/tollway-error.ts";
import { LocalCalendar } from "../../core/time/local-time.ts";
import { type Placement, NetworkHistory } from "../network/network-history.ts";
import { type CountRow, detectProduct, type PairRow, parseCount, parsePair, parseTrip, type TdcsProduct } from "./tdcs-format.ts";

/**
 * Imports TDCS files into the tables the system computes itself, with source 'tdcs': M03A into
 * vehicle_counts, M04A/M05A into segment_stats (travel time resp. speed of the same row), M06A into
 * trips. Every write is an upsert on the natural key, so importing a file twice changes nothing.
 *
 * Each row is placed on the network version of its own time (NetworkHistory): a gantry or pair the
 * version has is used; one the version knows under another id (a renumbered or moved gantry) is
 * stored under the version's id (aliased); anything else is kept as published (unplaced) and named in
 * the report. A placed row with no data (M03A volume 0; M04A/M05A value 0 and volume 0) is not stored:
 * the version's grid implies it, and the exporter writes it back.
 */
export interface PlacementCount {
  rows: number;
  /** Distinct gantries (M03A, M06A) or gantry pairs (M04A, M05A). */
  items: number;
}

export interface ImportReport {
  file: string;
  product: TdcsProduct;
  rows: number;
  seconds: number;
  /** Network versions the rows' times fall in. */
  versions: string[];
  used: PlacementCount;
  aliased: PlacementCount & { aliases: string[] };
  unplaced: PlacementCount & { ids: string[] };
  /** Rows written (placed rows with data, and every unplaced row). */
  stored: number;
  /** Placed rows without data, implied by the network and not stored. */
  zeroRows: number;
}

export type ImportProgress = (file: string, done: number, total: number) => void;

export interface TdcsImporterOptions {
  /** CSV rows per write (default 100 000); the PGlite TimescaleDB test server drops large statements. */
  batchRows?: number;
}

/** What one file's rows did, accumulated over its batches. */
class Tally {
  readonly versions = new Set<string>();
  readonly rows = { used: 0, aliased: 0, unplaced: 0 };
  readonly items = { used: new Set<string>(), aliased: new Set<string>(), unplaced: new Set<string>() };
  stored = 0;
  zeroRows = 0;

  add(placement: Placement, item: string, version: string | undefined): void {
    this.rows[placement]++;
    this.items[placement].add(item);
    if (version) this.versions.add(version);
  }
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
    const network = await NetworkHistory.load(this.db);
    const tally = new Tally();
    for (let i = 0; i < rows.length; i += batch) {
      await this.importRows(product, rows.slice(i, i + batch), i + 1, network, tally);
      onProgress?.(path, Math.min(rows.length, i + batch), rows.length);
    }
    return {
      file: path,
      product,
      rows: rows.length,
      seconds: (performance.now() - started) / 1000,
      versions: [...tally.versions].sort(),
      used: { rows: tally.rows.used, items: tally.items.used.size },
      aliased: { rows: tally.rows.aliased, items: tally.items.aliased.size, aliases: [...tally.items.aliased].sort() },
      unplaced: { rows: tally.rows.unplaced, items: tally.items.unplaced.size, ids: [...tally.items.unplaced].sort() },
      stored: tally.stored,
      zeroRows: tally.zeroRows,
    };
  }

  /** Imports parsed CSV rows of one product; `firstLine` numbers errors. Returns the rows written. */
  async importRows(product: TdcsProduct, rows: readonly string[][], firstLine = 1, network?: NetworkHistory, tally = new Tally()): Promise<number> {
    const tz = this.calendar;
    const net = network ?? (await NetworkHistory.load(this.db));
    const before = tally.stored;
    switch (product) {
      case "M03A": {
        const byKey = new Map<string, CountRow>();
        rows.forEach((r, i) => {
          const c = parseCount(r, tz, firstLine + i);
          const p = net.placeGantry(c.bucketMs, c.gantryId);
          tally.add(p.placement, p.placement === "aliased" ? `${c.gantryId}>${p.id}` : c.gantryId, net.at(c.bucketMs)?.code);
          if (p.placement !== "unplaced" && c.volume === 0) {
            tally.zeroRows++;
            return;
          }
          const placed = { ...c, gantryId: p.id };
          byKey.set(`${c.bucketMs}|${p.id}|${c.vehicleClass}`, placed);
        });
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
        tally.stored += list.length;
        return tally.stored - before;
      }
      case "M04A":
      case "M05A": {
        const byKey = new Map<string, PairRow>();
        rows.forEach((r, i) => {
          const x = parsePair(r, tz, firstLine + i);
          const p = net.placePair(x.bucketMs, x.fromGantry, x.toGantry);
          const pair = `${x.fromGantry}>${x.toGantry}`;
          tally.add(p.placement, p.placement === "aliased" ? `${pair}=${p.from}>${p.to}` : pair, net.at(x.bucketMs)?.code);
          if (p.placement !== "unplaced" && x.value === null && x.volume === 0) {
            tally.zeroRows++;
            return;
          }
          byKey.set(`${x.bucketMs}|${p.from}|${p.to}|${x.vehicleClass}`, { ...x, fromGantry: p.from, toGantry: p.to });
        });
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
        tally.stored += list.length;
        return tally.stored - before;
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
          const t = parseTrip(r, tz, firstLine + i);
          // A trip is placed gantry by gantry, each at its own time; an aliased gantry takes the version's id.
          const place = (ms: number, id: string) => {
            const p = net.placeGantry(ms, id);
            tally.add(p.placement, p.placement === "aliased" ? `${id}>${p.id}` : id, net.at(ms)?.code);
            return p.id;
          };
          return {
            ...t,
            startGantry: place(t.startMs, t.startGantry),
            endGantry: place(t.endMs, t.endGantry),
            path: t.path.map((s) => ({ ts: s.ts, gantry: place(Date.parse(s.ts), s.gantry) })),
          };
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
        tally.stored += trips.length;
        return trips.length;
      }
    }
  }
}

/** One file's import in words: what was used, mapped through an alias, or could not be placed (with the ids). */
export function describeImport(r: ImportReport): string {
  const unit = r.product === "M03A" || r.product === "M06A" ? "gantries" : "gantry pairs";
  const lines = [
    `${r.file}: ${r.product}, ${r.rows} rows, network ${r.versions.join(", ") || "none"}: ` +
      `used ${r.used.rows} rows (${r.used.items} ${unit}), through an alias ${r.aliased.rows} rows (${r.aliased.items} ${unit}), ` +
      `could not place ${r.unplaced.rows} rows (${r.unplaced.items} ${unit}); stored ${r.stored}, ${r.zeroRows} zero rows implied by the network`,
  ];
  if (r.aliased.items) lines.push(`  through an alias: ${r.aliased.aliases.join(" ")}`);
  if (r.unplaced.items) lines.push(`  could not place: ${r.unplaced.ids.join(" ")}`);
  return lines.join("\n");
}
