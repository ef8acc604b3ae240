import type { Queryable } from "../../core/db/database.ts";
import { PackedVehicleMap, packHexTag, packPlate } from "./packed-vehicle-map.ts";
import type { HotlistStatus, Vehicle } from "./reference-data.ts";

/**
 * Every registered tag and plate, in memory: the ingest prices each read with its vehicle's class
 * without asking the database. A cache filled on misses cost ~0.9 µs of CPU a read in bench:ingest
 * (database probes and result parsing for the ~20 % of reads whose vehicle was not cached), and a
 * vehicle unknown when first seen stayed unknown until the cache rotated.
 *
 * `load` reads everything (at start, then every `fullReloadMs`, in the background); `refresh`,
 * called before each group, reads the rows changed since the last look (sql/130: changed_xid). It
 * first notes the oldest transaction still running, so a change committed later by a transaction
 * that had already started is read next time. Memory: ~64-128 bytes a key (PackedVehicleMap).
 *
 * The hourly full reload runs beside the reads it must not stall (8 M keys measured 1.05 s of
 * event loop blocked in one go): its maps are sized up front from the maps in use, so they never
 * rehash millions of keys at once (PackedVehicleMap.grow), it reads `reloadPageRows` rows a page,
 * and it yields to the event loop after each page, so acks go out between pages.
 */
export interface VehicleDirectoryOptions {
  /** How often everything is read again: drops keys deleted or renamed outside the application. Default 1 h. */
  fullReloadMs?: number;
  /** Rows a page of the first (blocking) load. Default 50 000. */
  pageRows?: number;
  /** Rows a page of the background reload, the longest the event loop is held by it. Default 10 000. */
  reloadPageRows?: number;
  now?: () => number;
}

interface Snapshot {
  tags: PackedVehicleMap;
  plates: PackedVehicleMap;
  /** xid8 as text: rows written by this transaction or later are read at the next refresh. */
  since: string;
}

type VehicleRow = { k: string; account_id: number; vehicle_class: number; vehicle_id: number | null; hotlist?: HotlistStatus | null };
const toVehicle = (r: VehicleRow): Vehicle => ({ accountId: r.account_id, vehicleClass: r.vehicle_class, vehicleId: r.vehicle_id, hotlist: r.hotlist ?? null });
/** A tag's hotlist status (a status change rewrites the row, so its changed_xid moves and the refresh sees it). */
const HOTLIST = "case when status in ('blocked', 'lost', 'stolen') then status end as hotlist";

export class VehicleDirectory {
  private current: Snapshot | undefined;
  private loadedAt = 0;
  private reloading: Promise<void> | undefined;
  private readonly fullReloadMs: number;
  private readonly pageRows: number;
  private readonly reloadPageRows: number;
  /** Pages read by background reloads (tests see that reloads yield between them). */
  reloadPages = 0;
  private readonly now: () => number;

  constructor(opts: VehicleDirectoryOptions = {}) {
    this.fullReloadMs = opts.fullReloadMs ?? 3_600_000;
    this.pageRows = opts.pageRows ?? 50_000;
    this.reloadPageRows = opts.reloadPageRows ?? 10_000;
    this.now = opts.now ?? Date.now;
    if (!(this.fullReloadMs > 0)) throw new RangeError(`fullReloadMs must be > 0, got ${this.fullReloadMs}`);
    if (!Number.isInteger(this.pageRows) || this.pageRows < 1) throw new RangeError(`pageRows must be a positive integer, got ${this.pageRows}`);
    if (!Number.isInteger(this.reloadPageRows) || this.reloadPageRows < 1)
      throw new RangeError(`reloadPageRows must be a positive integer, got ${this.reloadPageRows}`);
  }

  /** Registered tags and plates held. */
  get size(): number {
    return this.current ? this.current.tags.size + this.current.plates.size : 0;
  }

  /** Rehashes of the maps in use since they were built (a background reload builds them without any). */
  get rehashes(): number {
    return this.current ? this.current.tags.grows + this.current.plates.grows : 0;
  }

  /** Resolves when no background reload is running. */
  async whenReloaded(): Promise<void> {
    await this.reloading;
  }

  get loaded(): boolean {
    return this.current !== undefined;
  }

  /** The vehicle of a tag; null when the tag is not registered. */
  byTag(tag: string): Vehicle | null {
    return this.current?.tags.get(tag) ?? null;
  }

  byPlate(plate: string): Vehicle | null {
    return this.current?.plates.get(plate) ?? null;
  }

  /** Reads every tag and plate (blocking; the service calls it before it starts reading). */
  async load(db: Queryable): Promise<void> {
    this.current = await this.readAll(db);
    this.loadedAt = this.now();
  }

  /**
   * Applies the rows changed since the last look. A full reload that is due starts in the
   * background and replaces the maps when done; changes made meanwhile are read again then.
   */
  async refresh(db: Queryable): Promise<void> {
    if (!this.current) return this.load(db);
    if (!this.reloading && this.now() - this.loadedAt >= this.fullReloadMs) {
      this.loadedAt = this.now();
      this.reloading = this.readAll(db, this.current)
        .then((fresh) => {
          this.current = fresh;
        })
        .catch(() => {
          // Try again at the next refresh; the maps in use stay current through their changes.
          this.loadedAt = 0;
        })
        .finally(() => {
          this.reloading = undefined;
        });
    }
    const s = this.current;
    const next = await oldestRunning(db);
    const [tags, plates] = await Promise.all([
      db.query<VehicleRow>(`select id as k, account_id, vehicle_class, vehicle_id, ${HOTLIST} from tags where changed_xid >= $1::xid8`, [s.since]),
      db.query<VehicleRow>("select plate as k, account_id, vehicle_class, id as vehicle_id from vehicles where changed_xid >= $1::xid8", [s.since]),
    ]);
    // A full reload may have replaced the maps while we waited: its own `since` covers these rows.
    if (this.current !== s) return;
    for (const r of tags) s.tags.set(r.k, toVehicle(r));
    for (const r of plates) s.plates.set(r.k, toVehicle(r));
    s.since = next;
  }

  /** Everything; `previous` (a background reload): sized like it, small pages, a yield after each. */
  private async readAll(db: Queryable, previous?: Snapshot): Promise<Snapshot> {
    const since = await oldestRunning(db);
    // Room for the keys held now and a quarter more, so the reload itself never rehashes.
    const room = (n: number) => Math.max(4096, Math.ceil(n * 1.25) * 2);
    const tags = new PackedVehicleMap(packHexTag, previous ? room(previous.tags.size) : undefined);
    const plates = new PackedVehicleMap(packPlate, previous ? room(previous.plates.size) : undefined);
    const pageRows = previous ? this.reloadPageRows : this.pageRows;
    await this.readPages(
      db,
      `select id as k, account_id, vehicle_class, vehicle_id, ${HOTLIST} from tags where id > $1 order by id limit $2`,
      tags,
      pageRows,
      !!previous,
    );
    await this.readPages(
      db,
      "select plate as k, account_id, vehicle_class, id as vehicle_id from vehicles where plate > $1 order by plate limit $2",
      plates,
      pageRows,
      !!previous,
    );
    return { tags, plates, since };
  }

  /** Keyset pages: no result of millions of rows at once. */
  private async readPages(db: Queryable, sql: string, into: PackedVehicleMap, pageRows: number, background: boolean): Promise<void> {
    for (let last = ""; ; ) {
      const rows = await db.query<VehicleRow>(sql, [last, pageRows]);
      for (const r of rows) into.set(r.k, toVehicle(r));
      if (background) {
        this.reloadPages++;
        // Let reads and acks queued meanwhile go first.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      if (rows.length < pageRows) return;
      last = rows[rows.length - 1]!.k;
    }
  }
}

/** The oldest transaction still running (or the next one to start): changes from it on are not all visible yet. */
async function oldestRunning(db: Queryable): Promise<string> {
  const r = await db.one<{ x: string }>("select pg_snapshot_xmin(pg_current_snapshot())::text as x");
  return r.x;
}
