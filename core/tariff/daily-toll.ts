import { calendarOf, type TimeZone } from "../time/local-time.ts";
import { type CongestionCharge, CongestionPrices, pricedTenths } from "./congestion-prices.ts";
import { postedPriceTenths } from "./posted-price.ts";
import { type SpecialDay, type TariffSet, type TariffVersion, unpricedReason } from "./tariff.ts";

/**
 * The daily toll of one vehicle on one LOCAL calendar day -- the single rule that both the toll quote
 * and the daily settlement use.
 *
 * Units: money in integer NT$0.1 ("tenths"); lengths in 0.1 km; percentages in basis points.
 * Rounding, step by step:
 *  1. posted price per passage = floor(zone_km_tenths x rate / 10)           (postedPriceTenths: truncation)
 *     on a congestion-priced segment (congestion-prices.ts): posted = floor(fixed posted x permille / 1000),
 *     the multiplier locked at the vehicle's section entry or the lower one at the gantry;
 *  2. special days per passage: charged = floor(posted x rate_bp x (10000 - discount_bp) / 10^8)
 *     (single-rate percentage and section discount, truncated to NT$0.1 like the posted price);
 *     passages in free hours are charged 0.
 *  3. the day: the charged total is kept exact; the long-distance discount
 *     (discount_bp x the part above the threshold) and the free km worth are subtracted without
 *     intermediate rounding, in units of NT$0.1/10^4;
 *  4. the result is clamped at 0 and rounded half-up to NT$1 ONCE, at the end.
 * Thresholds in money: threshold km x class rate and free km x class rate, each truncated to NT$0.1
 * like a posted price (200 km x 1.2 = NT$240, 20 km x 1.2 = NT$24 for cars).
 *
 * A day may span tariff versions: every passage is priced by the tariff in force at its own time;
 * the day's thresholds (free km, long-distance km and %) come from the tariff in force at the day's
 * FIRST passage, with the class of that first passage.
 *
 * Special days are matched by the passage's local day; a row with tariff_id null applies to every
 * tariff. A single-rate day (any single_rate row matching the day's threshold tariff) has no free km
 * and no long-distance discount: the whole day is charged at the single rate.
 */

export interface PassageToPrice {
  ts: Date;
  gantryId: string;
  vehicleClass: number;
}

/**
 * not_charging: a gantry of the tariff's network without a zone; not_in_tariff: a gantry the tariff's
 * network does not know (e.g. a gantry opened after its toll-zone table), priced 0 and stated.
 */
export type LineRule = "normal" | "not_charging" | "not_in_tariff" | "no_tariff" | "free_hours" | "special";

export interface TollLine {
  gantryId: string;
  ts: Date;
  vehicleClass: number;
  tariffId: number | null;
  zoneKmTenths: number | null;
  rateTenthsPerKm: number | null;
  /** The fixed-rate posted price; postedTenths differs only on a congestion-priced passage. */
  fixedPostedTenths: number;
  postedTenths: number;
  chargedTenths: number;
  rule: LineRule;
  specialDayIds: number[];
  /** The congestion price applied (null: the fixed rate). */
  congestion: CongestionCharge | null;
}

export interface DailyToll {
  localDay: string;
  /** Tariff whose thresholds apply to the day (in force at the first passage). */
  tariffId: number | null;
  vehicleClass: number;
  passages: number;
  postedTotalTenths: number;
  /** Of the posted total, what congestion prices added to the fixed-rate posted prices. */
  congestionTenths: number;
  /** Posted minus charged: free hours, section discounts, single-rate reduction. */
  specialDiscountTenths: number;
  chargedTotalTenths: number;
  singleRateDay: boolean;
  longDistanceThresholdTenths: number;
  /** The long-distance discount, rounded half-up to NT$0.1 for display; payable uses the exact value. */
  longDiscountTenths: number;
  freeTenths: number;
  /** Whole NT$ in tenths (a multiple of 10). */
  payableTenths: number;
  lines: TollLine[];
}

const UNPRICED = () => ({ fixedPostedTenths: 0, postedTenths: 0, chargedTenths: 0, specialDayIds: [] as number[], congestion: null });

const UNIT = 10_000; // NT$0.1 / 10^4: exact for basis-point percentages of tenths

function appliesTo(s: SpecialDay, tariff: TariffVersion | undefined): boolean {
  return s.tariffId === null || (tariff !== undefined && s.tariffId === tariff.id);
}

function inFreeHours(s: Extract<SpecialDay, { kind: "free_hours" }>, second: number): boolean {
  // [from, to); to <= from wraps past midnight of the same local day's calendar row.
  return s.fromSecond < s.toSecond ? second >= s.fromSecond && second < s.toSecond : second >= s.fromSecond || second < s.toSecond;
}

export function priceDay(
  passagesIn: readonly PassageToPrice[],
  tariffs: TariffSet,
  specialDays: readonly SpecialDay[],
  timeZone: TimeZone,
  congestion: CongestionPrices = CongestionPrices.none,
): DailyToll {
  if (passagesIn.length === 0) throw new RangeError("a day needs at least one passage");
  const calendar = calendarOf(timeZone);
  const passages = [...passagesIn].sort((a, b) => a.ts.getTime() - b.ts.getTime());
  const first = passages[0]!;
  const day = calendar.day(first.ts);
  const dayTariff = tariffs.inForceAt(first.ts);
  const byDay = specialDays.filter((s) => s.day === day);

  // Several single-rate rows on one day: the lowest rate wins (in the customer's favour).
  const singleRates = byDay.filter((s): s is Extract<SpecialDay, { kind: "single_rate" }> => s.kind === "single_rate" && appliesTo(s, dayTariff));
  const singleRateDay = singleRates.length > 0;
  const singleRateBp = singleRateDay ? Math.min(...singleRates.map((s) => s.rateBp)) : 10_000;
  const lines: TollLine[] = [];
  const congestionCharges = congestion.empty ? [] : congestion.chargesOf(passages);
  let posted = 0;
  let congestionTotal = 0;
  let charged = 0;
  for (const [i, p] of passages.entries()) {
    const local = calendar.parts(p.ts);
    if (local.day !== day) throw new RangeError(`passage at ${p.ts.toISOString()} is not on local day ${day}`);
    const tariff = tariffs.inForceAt(p.ts);
    const zone = tariff?.zoneKmTenths.get(p.gantryId);
    const rate = tariff?.ratesTenthsPerKm.get(p.vehicleClass);
    const base = { gantryId: p.gantryId, ts: p.ts, vehicleClass: p.vehicleClass, tariffId: tariff?.id ?? null };
    if (!tariff || rate === undefined) {
      lines.push({ ...base, zoneKmTenths: zone ?? null, rateTenthsPerKm: null, ...UNPRICED(), rule: "no_tariff" });
      continue;
    }
    if (zone === undefined) {
      const rule = unpricedReason(tariff, p.gantryId, p.vehicleClass) === "not_in_tariff" ? "not_in_tariff" : "not_charging";
      lines.push({ ...base, zoneKmTenths: null, rateTenthsPerKm: rate, ...UNPRICED(), rule });
      continue;
    }
    const fixed = postedPriceTenths(zone, rate);
    const jam = congestionCharges[i] ?? null;
    const price = jam ? pricedTenths(fixed, jam.permille) : fixed;
    const applicable = byDay.filter((s) => appliesTo(s, tariff));
    const free = applicable.find((s) => s.kind === "free_hours" && inFreeHours(s, local.secondOfDay));
    const used: number[] = singleRates.map((s) => s.id);
    // Overlapping section discounts on one gantry: the largest wins.
    let discountBp = 0;
    for (const s of applicable) {
      if (s.kind === "section_discount" && s.gantryIds.has(p.gantryId)) {
        discountBp = Math.max(discountBp, s.discountBp);
        used.push(s.id);
      }
    }
    let chargedLine: number;
    let rule: LineRule;
    if (free) {
      chargedLine = 0;
      rule = "free_hours";
      used.splice(0, used.length, free.id);
    } else {
      chargedLine = Math.floor((price * singleRateBp * (10_000 - discountBp)) / 100_000_000);
      rule = used.length ? "special" : "normal";
    }
    posted += price;
    congestionTotal += price - fixed;
    charged += chargedLine;
    lines.push({
      ...base,
      zoneKmTenths: zone,
      rateTenthsPerKm: rate,
      fixedPostedTenths: fixed,
      postedTenths: price,
      chargedTenths: chargedLine,
      rule,
      specialDayIds: used,
      congestion: jam,
    });
  }

  const vehicleClass = first.vehicleClass;
  const dayRate = dayTariff?.ratesTenthsPerKm.get(vehicleClass);
  let thresholdTenths = 0;
  let freeTenths = 0;
  let longExact = 0; // in UNIT
  if (dayTariff && dayRate !== undefined && !singleRateDay) {
    thresholdTenths = postedPriceTenths(dayTariff.longDistanceKmTenths, dayRate);
    const excess = Math.max(0, charged - thresholdTenths);
    longExact = excess * dayTariff.longDistanceDiscountBp;
    freeTenths = Math.min(postedPriceTenths(dayTariff.dailyFreeKmTenths, dayRate), charged);
  }
  const exact = Math.max(0, charged * UNIT - longExact - freeTenths * UNIT);
  // Half-up to NT$1 = 10 tenths = 10 * UNIT.
  const payableTenths = Math.floor((exact + 5 * UNIT) / (10 * UNIT)) * 10;
  return {
    localDay: day,
    tariffId: dayTariff?.id ?? null,
    vehicleClass,
    passages: passages.length,
    postedTotalTenths: posted,
    congestionTenths: congestionTotal,
    specialDiscountTenths: posted - charged,
    chargedTotalTenths: charged,
    singleRateDay,
    longDistanceThresholdTenths: thresholdTenths,
    longDiscountTenths: Math.floor((longExact + UNIT / 2) / UNIT),
    freeTenths,
    payableTenths,
    lines,
  };
}
