import type { Queryable } from "../db/database.ts";
import { parseTimeOfDay } from "../time/local-time.ts";
import { CongestionPrices, PRICE_VALIDITY_MS, SECTION_GAP_MS } from "./congestion-prices.ts";
import { pctToBp, TariffSet, type SpecialDay, type TariffVersion } from "./tariff.ts";

/**
 * Loads tariff versions and special days from the database for the engine (daily-toll.ts).
 * Draft tariffs never price anything; active and retired versions price their own periods, so
 * re-rating an old day still finds the tariff it was charged under.
 */
interface TariffRow extends Record<string, unknown> {
  id: number;
  code: string;
  version: number;
  effective_from: Date;
  effective_to: Date | null;
  daily_free_km_tenths: number;
  long_distance_km_tenths: number;
  long_distance_discount_pct: number;
}

interface SpecialDayRow extends Record<string, unknown> {
  id: number;
  tariff_id: number | null;
  day: string;
  kind: "single_rate" | "free_hours" | "section_discount";
  rate_pct: number | null;
  free_from: string | null;
  free_to: string | null;
  gantry_ids: string[] | null;
  discount_pct: number | null;
}

export function specialDayFromRow(r: SpecialDayRow): SpecialDay {
  const base = { id: r.id, tariffId: r.tariff_id, day: r.day };
  if (r.kind === "single_rate") return { ...base, kind: "single_rate", rateBp: pctToBp(r.rate_pct ?? 100) };
  if (r.kind === "free_hours")
    return { ...base, kind: "free_hours", fromSecond: parseTimeOfDay(r.free_from ?? "00:00"), toSecond: parseTimeOfDay(r.free_to ?? "00:00") };
  return { ...base, kind: "section_discount", gantryIds: new Set(r.gantry_ids ?? []), discountBp: pctToBp(r.discount_pct ?? 0) };
}

export const SPECIAL_DAY_COLUMNS =
  "id, tariff_id, day::text as day, kind, rate_pct, free_from::text as free_from, free_to::text as free_to, gantry_ids, discount_pct, note, created_at";

export class TariffCatalog {
  constructor(private readonly db: Queryable) {}

  /** Every non-draft tariff whose period overlaps [from, to), with its rates and zones. */
  async tariffsFor(from: Date, to: Date): Promise<TariffSet> {
    const rows = await this.db.query<TariffRow>(
      `select id, code, version, effective_from, effective_to, daily_free_km_tenths, long_distance_km_tenths, long_distance_discount_pct
         from tariffs
        where status <> 'draft' and effective_from < $2 and (effective_to is null or effective_to > $1)`,
      [from, to],
    );
    if (rows.length === 0) return new TariffSet([]);
    const ids = rows.map((r) => r.id);
    // Sequential: the catalog may run on one transaction's client, which takes one query at a time.
    const rates = await this.db.query<{ tariff_id: number; vehicle_class: number; rate_tenths_per_km: number }>(
      "select tariff_id, vehicle_class, rate_tenths_per_km from tariff_class_rates where tariff_id = any($1::bigint[])",
      [ids],
    );
    const zones = await this.db.query<{ tariff_id: number; gantry_id: string; zone_km_tenths: number }>(
      "select tariff_id, gantry_id, zone_km_tenths from tariff_zones where tariff_id = any($1::bigint[])",
      [ids],
    );
    // Each tariff prices the gantries of its network version; a gantry's other ids (the same site in
    // another version: renumbered or moved) take its zone, and count as known.
    const sites = await this.db.query<{ tariff_id: number; id: string; zone: number | null }>(
      `select distinct on (t.id, other.id) t.id as tariff_id, other.id, z.zone_km_tenths as zone
         from tariffs t
         join network_gantries g on g.version = t.network_version
         join network_gantries other on other.site = g.site
         left join tariff_zones z on z.tariff_id = t.id and z.gantry_id = g.id
        where t.id = any($1::bigint[])
        order by t.id, other.id, (other.id = g.id) desc, z.zone_km_tenths nulls last`,
      [ids],
    );
    const versions = rows.map((r): TariffVersion => {
      const rateMap = new Map<number, number>();
      for (const x of rates) if (x.tariff_id === r.id) rateMap.set(x.vehicle_class, x.rate_tenths_per_km);
      const zoneMap = new Map<string, number>();
      for (const z of zones) if (z.tariff_id === r.id) zoneMap.set(z.gantry_id, z.zone_km_tenths);
      let known: Set<string> | undefined;
      for (const x of sites) {
        if (x.tariff_id !== r.id) continue;
        known ??= new Set(zoneMap.keys());
        known.add(x.id);
        if (x.zone !== null && !zoneMap.has(x.id)) zoneMap.set(x.id, x.zone);
      }
      return {
        id: r.id,
        code: r.code,
        version: r.version,
        effectiveFrom: r.effective_from,
        effectiveTo: r.effective_to,
        dailyFreeKmTenths: r.daily_free_km_tenths,
        longDistanceKmTenths: r.long_distance_km_tenths,
        longDistanceDiscountBp: pctToBp(r.long_distance_discount_pct),
        ratesTenthsPerKm: rateMap,
        zoneKmTenths: zoneMap,
        ...(known ? { knownGantries: known } : {}),
      };
    });
    return new TariffSet(versions);
  }

  /** Special days on the local days [fromDay, toDay] (YYYY-MM-DD, inclusive). */
  async specialDays(fromDay: string, toDay: string): Promise<SpecialDay[]> {
    const rows = await this.db.query<SpecialDayRow>(
      `select ${SPECIAL_DAY_COLUMNS} from tariff_special_days where day between $1::date and $2::date order by day, id`,
      [fromDay, toDay],
    );
    return rows.map(specialDayFromRow);
  }

  /**
   * The congestion price log (sql/631) that can apply to passages in [from, to): prices in force
   * then, or at a section entry up to SECTION_GAP_MS earlier. Empty where nothing is priced.
   */
  async congestionPrices(from: Date, to: Date): Promise<CongestionPrices> {
    const rows = await this.db.query<{ id: number; f: string; g: string; announced_ms: number; effective_ms: number; permille: number }>(
      `select id, from_gantry as f, to_gantry as g, floor(extract(epoch from announced_at) * 1000)::float8 as announced_ms,
              floor(extract(epoch from effective_from) * 1000)::float8 as effective_ms, permille
         from price_log where effective_from > $1 and effective_from < $2 order by id`,
      [new Date(from.getTime() - SECTION_GAP_MS - PRICE_VALIDITY_MS), to],
    );
    return new CongestionPrices(
      rows.map((r) => ({
        id: Number(r.id),
        fromGantry: r.f,
        toGantry: r.g,
        announcedAtMs: r.announced_ms,
        effectiveFromMs: r.effective_ms,
        permille: r.permille,
      })),
    );
  }

  /** Which of these ids are known gantries or toll zones (a quote must name real ones). */
  async knownGantries(ids: readonly string[]): Promise<Set<string>> {
    const rows = await this.db.query<{ id: string }>(
      `select id from gantries where id = any($1::text[])
       union select id from network_gantries where id = any($1::text[])
       union select gantry_id from toll_zones where gantry_id = any($1::text[])
       union select gantry_id from tariff_zones where gantry_id = any($1::text[])`,
      [ids],
    );
    return new Set(rows.map((r) => r.id));
  }
}
