/**
 * A tariff version as the engine sees it (loaded from tariffs, tariff_class_rates, tariff_zones) and
 * the special days of the calendar. Lengths are integer 0.1 km, money integer NT$0.1, percentages
 * integer basis points (numeric(5,2) x 100), so the engine never touches floats.
 */
export interface TariffVersion {
  id: number;
  code: string;
  version: number;
  effectiveFrom: Date;
  effectiveTo: Date | null;
  dailyFreeKmTenths: number;
  longDistanceKmTenths: number;
  /** 25 % = 2500. */
  longDistanceDiscountBp: number;
  ratesTenthsPerKm: ReadonlyMap<number, number>;
  /**
   * Zone length charged at each gantry: the tariff's own zones, and every other id of a zoned gantry's
   * site (a renumbered or moved gantry, sql/650) with the same zone.
   */
  zoneKmTenths: ReadonlyMap<string, number>;
  /**
   * The gantries the tariff knows: those of its network version and their other ids (undefined when
   * its network version is not stored: then only its zoned gantries). A known gantry without a zone
   * is no charging point; an unknown one is 'not_in_tariff'.
   */
  knownGantries?: ReadonlySet<string>;
}

/** Why a passage has no posted price (null when it has one). */
export type UnpricedReason = "no_tariff" | "no_rate" | "not_charging" | "not_in_tariff";

export function unpricedReason(tariff: TariffVersion | undefined, gantryId: string, vehicleClass: number): UnpricedReason | null {
  if (!tariff) return "no_tariff";
  if (!tariff.ratesTenthsPerKm.has(vehicleClass)) return "no_rate";
  if (tariff.zoneKmTenths.has(gantryId)) return null;
  return tariff.knownGantries?.has(gantryId) ? "not_charging" : "not_in_tariff";
}

export type SpecialDay =
  | { id: number; tariffId: number | null; day: string; kind: "single_rate"; rateBp: number }
  | { id: number; tariffId: number | null; day: string; kind: "free_hours"; fromSecond: number; toSecond: number }
  | { id: number; tariffId: number | null; day: string; kind: "section_discount"; gantryIds: ReadonlySet<string>; discountBp: number };

/** Percentages as stored (numeric(5,2)) to basis points, exactly. */
export function pctToBp(pct: number): number {
  const bp = Math.round(pct * 100);
  if (!Number.isSafeInteger(bp) || bp < 0 || bp > 10000) throw new RangeError(`percentage out of range: ${pct}`);
  return bp;
}

/**
 * The tariffs that may apply in a period. The tariff in force at an instant is the non-draft version
 * with the latest effective_from <= t (and t < effective_to when set); ties go to the higher version,
 * so a correction can be published as a new version with the same effective_from.
 */
export class TariffSet {
  private readonly ordered: TariffVersion[];

  constructor(tariffs: readonly TariffVersion[]) {
    this.ordered = [...tariffs].sort((a, b) => b.effectiveFrom.getTime() - a.effectiveFrom.getTime() || b.version - a.version || b.id - a.id);
  }

  get all(): readonly TariffVersion[] {
    return this.ordered;
  }

  inForceAt(at: Date): TariffVersion | undefined {
    const t = at.getTime();
    for (const v of this.ordered) {
      if (v.effectiveFrom.getTime() <= t && (v.effectiveTo === null || t < v.effectiveTo.getTime())) return v;
    }
    return undefined;
  }
}
