import type { Queryable } from "../../core/db/database.ts";
import { postedPriceTenths } from "../../core/tariff/posted-price.ts";
import { TariffCatalog } from "../../core/tariff/tariff-catalog.ts";
import { VEHICLE_CLASSES } from "../../core/vehicle/vehicle-class.ts";

/**
 * What the ingest needs to know besides the reads: gantries (existence, direction), the tariffs
 * with a precomputed posted price per gantry and class (ReferenceData keeps both exact per group),
 * and the gantry CURVE keys (registered tags and plates: vehicle-directory.ts).
 */

export interface GantryInfo {
  direction: string;
}

/** Posted price per vehicle class at one gantry under one tariff (NT$0.1). */
export type ClassPrices = Record<number, number>;

export interface TariffPricing {
  id: number;
  fromMs: number;
  toMs: number; // Infinity when open-ended
  /** gantry id -> price per class; a gantry without a zone is absent. */
  prices: Map<string, ClassPrices>;
  /** The gantries the tariff's network knows (undefined: only its zoned ones), for the unpriced reason. */
  known?: ReadonlySet<string>;
}

export interface Vehicle {
  accountId: number;
  vehicleClass: number;
  /** The registered vehicle (vehicles.id): of the plate, or the tag's vehicle; null for a tag on no vehicle. */
  vehicleId: number | null;
  /** A tag that is blocked, lost or stolen (its reads are not charged to its account); null otherwise, and for plates. */
  hotlist: HotlistStatus | null;
}

export const HOTLIST_STATUSES = ["blocked", "lost", "stolen"] as const;
export type HotlistStatus = (typeof HOTLIST_STATUSES)[number];

/** A stretch of time in which one tariff (or none) is in force. */
export interface TariffSpan {
  fromMs: number;
  toMs: number;
  tariff: TariffPricing | undefined;
}

export class Tariffs {
  /** Consecutive spans covering all time: within each, the same tariff wins. */
  private readonly spans: TariffSpan[];
  private last: TariffSpan;

  /** `list`: latest effective_from first, so where versions overlap the newer one wins. */
  constructor(list: readonly TariffPricing[]) {
    const bounds = [...new Set(list.flatMap((t) => [t.fromMs, t.toMs]))].filter((b) => Number.isFinite(b)).sort((a, b) => a - b);
    const starts = [Number.NEGATIVE_INFINITY, ...bounds];
    this.spans = starts.map((fromMs, k) => {
      const toMs = starts[k + 1] ?? Number.POSITIVE_INFINITY;
      // No bound falls inside the span, so any instant in it has the same winner.
      const probe = Number.isFinite(fromMs) ? fromMs : Number.isFinite(toMs) ? toMs - 1 : 0;
      return { fromMs, toMs, tariff: list.find((t) => probe >= t.fromMs && probe < t.toMs) };
    });
    this.last = this.spans[0]!;
  }

  /** The tariff in force at the time, or undefined. */
  at(tsMs: number): TariffPricing | undefined {
    return this.span(tsMs).tariff;
  }

  /** The span around the time: callers may reuse its tariff for any time inside it. */
  span(tsMs: number): TariffSpan {
    const l = this.last;
    if (tsMs >= l.fromMs && tsMs < l.toMs) return l;
    let lo = 0;
    let hi = this.spans.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.spans[mid]!.fromMs <= tsMs) lo = mid;
      else hi = mid - 1;
    }
    this.last = this.spans[lo]!;
    return this.last;
  }
}

/**
 * Every gantry of every network version (sql/650) and of the current list: a read of any date is
 * accepted at the id its gantry had then, and a version an operator adds reloads this (its trigger
 * bumps the reference counter).
 */
export async function loadGantries(db: Queryable): Promise<Map<string, GantryInfo>> {
  const rows = await db.query<{ id: string; direction: string }>(
    "select id, direction from gantries union select distinct on (id) id, direction from network_gantries",
  );
  return new Map(rows.map((r) => [r.id, { direction: r.direction }]));
}

/**
 * The tariffs in force from `fromMs` on, by the engine's own rule (TariffSet: non-draft versions,
 * the latest effective_from wins, ties to the higher version), each with its posted price per
 * gantry and class.
 */
export async function loadTariffs(db: Queryable, fromMs: number): Promise<Tariffs> {
  const set = await new TariffCatalog(db).tariffsFor(new Date(fromMs), FAR_FUTURE);
  const list = set.all.map((v): TariffPricing => {
    const pricing: TariffPricing = {
      id: v.id,
      fromMs: v.effectiveFrom.getTime(),
      toMs: v.effectiveTo?.getTime() ?? Number.POSITIVE_INFINITY,
      prices: new Map(),
      ...(v.knownGantries ? { known: v.knownGantries } : {}),
    };
    for (const [gantry, zoneKmTenths] of v.zoneKmTenths) {
      const prices: ClassPrices = {};
      // A class without a rate under this tariff stays unpriced (null), never guessed.
      for (const c of VEHICLE_CLASSES) {
        const rate = v.ratesTenthsPerKm.get(c);
        if (rate !== undefined) prices[c] = postedPriceTenths(zoneKmTenths, rate);
      }
      pricing.prices.set(gantry, prices);
    }
    return pricing;
  });
  // set.all is ordered as the rule picks: where versions overlap, the first one wins.
  return new Tariffs(list);
}

/** "Open-ended" for tariffsFor: the end of year 9999. */
const FAR_FUTURE = new Date("9999-12-31T00:00:00Z");

export interface ReferenceSnapshot {
  /** ingest_reference_version when this was read (sql/601): bumped by every change to gantries or tariffs. */
  version: bigint;
  gantries: Map<string, GantryInfo>;
  tariffs: Tariffs;
}

type Transactional = Queryable & { tx<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> };

/**
 * Gantries and tariffs as the database holds them when a group is built. Every change to
 * gantries, tariffs, tariff_class_rates or tariff_zones bumps one counter row in its own
 * transaction (sql/601); `current` reads that row before each group (one primary-key read) and
 * reloads everything, in one snapshot, when it moved. So a tariff committed before a group is
 * built prices that group's reads, each by the version in force at its own time: a version
 * committed before its effective_from prices every read from then on that reaches the ingest
 * after the commit (see ingest/README, "Tariff changes").
 */
export class ReferenceData {
  private snapshot: ReferenceSnapshot | undefined;

  /** `tariffsFromMs`: the oldest read time the ingest still accepts (its read-time window). */
  constructor(private readonly tariffsFromMs: () => number) {}

  /** Reads everything in one repeatable-read snapshot, together with the version it belongs to. */
  async load(db: Transactional): Promise<ReferenceSnapshot> {
    const fromMs = this.tariffsFromMs();
    const loaded = await db.tx(async (tx) => {
      await tx.query("set transaction isolation level repeatable read, read only");
      const v = await tx.one<{ version: string }>("select version::text as version from ingest_reference_version");
      // One query at a time: a transaction's client takes them in turn.
      const gantries = await loadGantries(tx);
      const tariffs = await loadTariffs(tx, fromMs);
      return { version: BigInt(v.version), gantries, tariffs };
    });
    // Two loads may overlap (the periodic refresh and a group's): never go back to an older one.
    if (!this.snapshot || loaded.version >= this.snapshot.version) this.snapshot = loaded;
    return this.snapshot;
  }

  /** The snapshot to build a group with: reloaded first if anything changed since the last look. */
  async current(db: Transactional): Promise<ReferenceSnapshot> {
    const s = this.snapshot;
    if (!s) return this.load(db);
    const v = await db.one<{ version: string }>("select version::text as version from ingest_reference_version");
    return BigInt(v.version) === s.version ? s : this.load(db);
  }
}

export async function loadGantryKeys(db: Queryable): Promise<Map<string, string>> {
  const rows = await db.query<{ curve_public_key: string; gantry_id: string }>("select curve_public_key, gantry_id from gantry_keys where revoked_at is null");
  return new Map(rows.map((r) => [r.curve_public_key, r.gantry_id]));
}
