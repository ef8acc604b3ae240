import type { Queryable } from "../../core/db/database.ts";
import { postedPriceTenths } from "../../core/tariff/posted-price.ts";
import { VEHICLE_CLASSES } from "../../core/vehicle/vehicle-class.ts";

/**
 * What the ingest needs to know besides the reads: gantries (existence, direction), the tariffs
 * with a precomputed posted price per gantry and class, and the gantry CURVE keys (registered tags
 * and plates: vehicle-directory.ts). Loaded from the database, refreshed by the service.
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
