import type { Queryable } from "../../core/db/database.ts";
import { postedPriceTenths } from "../../core/tariff/posted-price.ts";
import { VEHICLE_CLASSES } from "../protocol/tr1.ts";
import { PackedVehicleMap, packHexTag, packPlate, type KeyPacker } from "./packed-vehicle-map.ts";

/**
 * What the ingest needs to know besides the reads: gantries (existence, direction), the tariffs
 * with a precomputed posted price per gantry and class, registered tags/plates (cached), and the
 * gantry CURVE keys. Loaded from the database, refreshed by the service.
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
}

export interface Vehicle {
  accountId: number;
  vehicleClass: number;
}

export class Tariffs {
  private last: TariffPricing | undefined;
  /** Latest effective_from first, so an overlapping newer version wins. */
  constructor(readonly list: readonly TariffPricing[]) {}

  /** The tariff in force at the time, or undefined. */
  at(tsMs: number): TariffPricing | undefined {
    const l = this.last;
    if (l && tsMs >= l.fromMs && tsMs < l.toMs) return l;
    for (const t of this.list) {
      if (tsMs >= t.fromMs && tsMs < t.toMs) {
        this.last = t;
        return t;
      }
    }
    return undefined;
  }
}

export async function loadGantries(db: Queryable): Promise<Map<string, GantryInfo>> {
  const rows = await db.query<{ id: string; direction: string }>("select id, direction from gantries");
  return new Map(rows.map((r) => [r.id, { direction: r.direction }]));
}

export async function loadTariffs(db: Queryable): Promise<Tariffs> {
  const tariffs = await db.query<{ id: number; from_ms: number; to_ms: number | null }>(
    `select id, (extract(epoch from effective_from) * 1000)::int8 as from_ms,
            (extract(epoch from effective_to) * 1000)::int8 as to_ms
       from tariffs where status = 'active' order by effective_from desc, version desc`,
  );
  const rates = await db.query<{ tariff_id: number; vehicle_class: number; rate_tenths_per_km: number }>(
    "select tariff_id, vehicle_class, rate_tenths_per_km from tariff_class_rates r join tariffs t on t.id = r.tariff_id where t.status = 'active'",
  );
  const zones = await db.query<{ tariff_id: number; gantry_id: string; zone_km_tenths: number }>(
    "select tariff_id, gantry_id, zone_km_tenths from tariff_zones z join tariffs t on t.id = z.tariff_id where t.status = 'active'",
  );
  const list: TariffPricing[] = tariffs.map((t) => ({ id: t.id, fromMs: t.from_ms, toMs: t.to_ms ?? Number.POSITIVE_INFINITY, prices: new Map() }));
  const byId = new Map(list.map((t) => [t.id, t]));
  const rateOf = new Map<number, Map<number, number>>();
  for (const r of rates) {
    let m = rateOf.get(r.tariff_id);
    if (!m) rateOf.set(r.tariff_id, (m = new Map()));
    m.set(r.vehicle_class, r.rate_tenths_per_km);
  }
  for (const z of zones) {
    const t = byId.get(z.tariff_id);
    const r = rateOf.get(z.tariff_id);
    if (!t || !r) continue;
    const prices: ClassPrices = {};
    // A class without a rate under this tariff stays unpriced (null), never guessed.
    for (const c of VEHICLE_CLASSES) {
      const rate = r.get(c);
      if (rate !== undefined) prices[c] = postedPriceTenths(z.zone_km_tenths, rate);
    }
    t.prices.set(z.gantry_id, prices);
  }
  return new Tariffs(list);
}

export async function loadGantryKeys(db: Queryable): Promise<Map<string, string>> {
  const rows = await db.query<{ curve_public_key: string; gantry_id: string }>(
    "select curve_public_key, gantry_id from gantry_keys where revoked_at is null",
  );
  return new Map(rows.map((r) => [r.curve_public_key, r.gantry_id]));
}

// One comma-joined parameter: tags and plates need no escaping, and no per-element array encoding.
// One index probe per key (LATERAL ... LIMIT 1 is not flattened into a join): with thousands of keys
// `id = any(...)` was planned as a full scan of tags (13 M rows read in one benchmark run).
export const TAGS_BY_ID = "select k, t.account_id, t.vehicle_class from unnest(string_to_array($1, ',')) k cross join lateral (select account_id, vehicle_class from tags where id = k limit 1) t";
export const VEHICLES_BY_PLATE = "select k, v.account_id, v.vehicle_class from unnest(string_to_array($1, ',')) k cross join lateral (select account_id, vehicle_class from vehicles where plate = k limit 1) v";

/**
 * Registered tags and plates, cached in two generations: lookups hit the current map, then the
 * previous one; every `ttlMs` the previous is dropped, so a change (a new tag, a re-classed vehicle)
 * is seen within two TTLs and memory stays bounded by what was seen recently. Unknown ids are
 * cached too (as null), so unregistered plates do not cost a query per read.
 */
class TwoGenerations {
  current: PackedVehicleMap;
  previous: PackedVehicleMap;

  constructor(private readonly pack: KeyPacker) {
    this.current = new PackedVehicleMap(pack);
    this.previous = new PackedVehicleMap(pack);
  }

  get(key: string): Vehicle | null | undefined {
    let v = this.current.get(key);
    if (v !== undefined) return v;
    v = this.previous.get(key);
    if (v !== undefined) this.current.set(key, v);
    return v;
  }

  rotate(): void {
    this.previous = this.current;
    this.current = new PackedVehicleMap(this.pack);
  }
}

export class VehicleCache {
  // Separate maps for tags and plates, each keyed by the packed tag or plate (packed-vehicle-map.ts).
  private readonly tags = new TwoGenerations(packHexTag);
  private readonly plates = new TwoGenerations(packPlate);
  private rotatedAt: number;
  hits = 0;
  misses = 0;

  constructor(
    private readonly ttlMs = 300_000,
    private readonly maxEntries = 1_000_000,
    private readonly now: () => number = Date.now,
  ) {
    this.rotatedAt = now();
  }

  /** Entries held (both generations, tags and plates). */
  get size(): number {
    return this.tags.current.size + this.tags.previous.size + this.plates.current.size + this.plates.previous.size;
  }

  /** undefined: not cached; null: not registered. */
  byTag(tag: string): Vehicle | null | undefined {
    return this.tags.get(tag);
  }

  byPlate(plate: string): Vehicle | null | undefined {
    return this.plates.get(plate);
  }

  /** Loads the tags and plates not cached yet; one query per kind. */
  async fill(db: Queryable, tagKeys: Iterable<string>, plateKeys: Iterable<string>): Promise<void> {
    this.maybeRotate();
    const tags: string[] = [];
    const plates: string[] = [];
    for (const k of tagKeys) if (this.tags.get(k) === undefined) tags.push(k);
    for (const k of plateKeys) if (this.plates.get(k) === undefined) plates.push(k);
    this.misses += tags.length + plates.length;
    const [t, p] = await Promise.all([
      tags.length
        ? db.query<{ k: string; account_id: number; vehicle_class: number }>(
            TAGS_BY_ID,
            [tags.join(",")],
          )
        : [],
      plates.length
        ? db.query<{ k: string; account_id: number; vehicle_class: number }>(
            VEHICLES_BY_PLATE,
            [plates.join(",")],
          )
        : [],
    ]);
    for (const k of tags) this.tags.current.set(k, null);
    for (const k of plates) this.plates.current.set(k, null);
    for (const r of t) this.tags.current.set(r.k, { accountId: r.account_id, vehicleClass: r.vehicle_class });
    for (const r of p) this.plates.current.set(r.k, { accountId: r.account_id, vehicleClass: r.vehicle_class });
  }

  clear(): void {
    for (const g of [this.tags, this.plates]) {
      g.current.clear();
      g.previous.clear();
    }
  }

  private maybeRotate(): void {
    const now = this.now();
    if (now - this.rotatedAt < this.ttlMs && this.tags.current.size + this.plates.current.size < this.maxEntries / 2) return;
    this.tags.rotate();
    this.plates.rotate();
    this.rotatedAt = now;
  }
}
