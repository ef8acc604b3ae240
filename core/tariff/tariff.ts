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
  zoneKmTenths: ReadonlyMap<string, number>;
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
