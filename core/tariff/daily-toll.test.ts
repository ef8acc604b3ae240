import { describe, expect, test } from "bun:test";
import { loadTollZones } from "../seed/network-data.ts";
import { priceDay, type PassageToPrice } from "./daily-toll.ts";
import { TariffSet, type SpecialDay, type TariffVersion } from "./tariff.ts";

const TPE = "Asia/Taipei";
const RATES = new Map([
  [31, 12],
  [32, 12],
  [41, 15],
  [42, 15],
  [5, 18],
]);

function tariff(id: number, zones: Record<string, number>, over: Partial<TariffVersion> = {}): TariffVersion {
  return {
    id,
    code: "T",
    version: id,
    effectiveFrom: new Date("2014-01-01T00:00:00+08:00"),
    effectiveTo: null,
    dailyFreeKmTenths: 200,
    longDistanceKmTenths: 2000,
    longDistanceDiscountBp: 2500,
    ratesTenthsPerKm: RATES,
    zoneKmTenths: new Map(Object.entries(zones)),
    ...over,
  };
}

const at = (iso: string, gantryId: string, vehicleClass = 31): PassageToPrice => ({ ts: new Date(iso), gantryId, vehicleClass });
const set = (...t: TariffVersion[]) => new TariffSet(t);

describe("daily toll: the official example", () => {
  test("Keelung end -> Tainan (Rende), car, real 2015 zones -> NT$328", () => {
    const zones = loadTollZones().filter((z) => z.gantryId.startsWith("01F") && z.direction === "S" && z.gantryId >= "01F0005S" && z.gantryId <= "01F3252S");
    expect(zones.length).toBe(62);
    const t = tariff(1, Object.fromEntries(zones.map((z) => [z.gantryId, z.zoneKmTenths])));
    const passages = zones.map((z, i) => at(new Date(Date.parse("2024-03-25T08:00:00+08:00") + i * 60_000).toISOString(), z.gantryId));
    const r = priceDay(passages, set(t), [], TPE);
    // Sum of the posted car prices in the published table (each truncated to NT$0.1).
    expect(r.postedTotalTenths).toBe(zones.reduce((s, z) => s + z.carPriceTenths, 0));
    expect(r.longDistanceThresholdTenths).toBe(2400);
    expect(r.freeTenths).toBe(240);
    expect(r.payableTenths).toBe(3280);
  });
});

describe("daily toll: rules", () => {
  const t = tariff(1, { A: 100, B: 2000, C: 1500, D: 49, Z: 0 });

  test("posted prices are truncated per passage", () => {
    // 4.9 km x 1.2 = 5.88 -> 5.8, twice = 11.6 (not 11.76)
    const r = priceDay([at("2024-03-25T08:00:00+08:00", "D"), at("2024-03-25T09:00:00+08:00", "D")], set(t), [], TPE);
    expect(r.lines.map((l) => l.postedTenths)).toEqual([58, 58]);
    expect(r.postedTotalTenths).toBe(116);
  });

  test("the free 20 km: a short trip of 20 km or less pays nothing, never below 0", () => {
    const r = priceDay([at("2024-03-25T08:00:00+08:00", "A")], set(t), [], TPE); // 10 km = 12.0
    expect(r.postedTotalTenths).toBe(120);
    expect(r.freeTenths).toBe(120);
    expect(r.payableTenths).toBe(0);
    const two = priceDay([at("2024-03-25T08:00:00+08:00", "A"), at("2024-03-25T08:10:00+08:00", "A")], set(t), [], TPE);
    expect(two.payableTenths).toBe(0); // 24.0 - 24 = 0
  });

  test("the free km is per vehicle per day, not per trip", () => {
    // Two trips of 30 km (36.0 each) on one day: 72.0 - 24 = 48, not 2 x (36 - 24) = 24.
    const trip = (h: string) => [at(`2024-03-25T${h}:00:00+08:00`, "A"), at(`2024-03-25T${h}:05:00+08:00`, "A"), at(`2024-03-25T${h}:10:00+08:00`, "A")];
    const r = priceDay([...trip("07"), ...trip("18")], set(t), [], TPE);
    expect(r.postedTotalTenths).toBe(720);
    expect(r.payableTenths).toBe(480);
  });

  test("25 % off the part above 200 km worth (NT$240 for cars)", () => {
    // B = 200 km = 240.0 exactly: no discount; 240 - 24 = 216.
    expect(priceDay([at("2024-03-25T08:00:00+08:00", "B")], set(t), [], TPE).payableTenths).toBe(2160);
    // B + C = 350 km = 420.0: 420 - 0.25 x 180 - 24 = 351.
    const r = priceDay([at("2024-03-25T08:00:00+08:00", "B"), at("2024-03-25T09:00:00+08:00", "C")], set(t), [], TPE);
    expect(r.longDiscountTenths).toBe(450);
    expect(r.payableTenths).toBe(3510);
  });

  test("threshold and free km scale with the class rate", () => {
    // Heavy truck 1.5/km: threshold 300.0, free 30.0. B + C = 350 km = 525.0: 525 - 56.25 - 30 = 438.75 -> 439
    const r = priceDay([at("2024-03-25T08:00:00+08:00", "B", 42), at("2024-03-25T09:00:00+08:00", "C", 42)], set(t), [], TPE);
    expect(r.longDistanceThresholdTenths).toBe(3000);
    expect(r.freeTenths).toBe(300);
    expect(r.payableTenths).toBe(4390);
  });

  test("rounding is half-up to NT$1 on the exact amount", () => {
    // Exactly .5: a 4.6 km zone (5.52 -> 5.5) x 5 = 27.5 - 24 = 3.5 -> 4 (half up)
    const h = tariff(2, { H: 46 });
    const five = Array.from({ length: 5 }, (_, i) => at(`2024-03-25T08:0${i}:00+08:00`, "H"));
    expect(priceDay(five, set(h), [], TPE).payableTenths).toBe(40);
    // 6 passages of 4.3 km (5.16 -> 5.1) = 30.6 - 24 = 6.6 -> 7
    const g = tariff(3, { G: 43 });
    const six = Array.from({ length: 6 }, (_, i) => at(`2024-03-25T08:0${i}:00+08:00`, "G"));
    expect(priceDay(six, set(g), [], TPE).payableTenths).toBe(70);
    // 5 passages of 4.3 km = 25.5 - 24 = 1.5 -> 2; 4.4 km (5.2) x 5 = 26.0 - 24 = 2.0; 4.2 km (5.0) x 5 = 25 - 24 = 1.0
    expect(priceDay(six.slice(0, 5), set(g), [], TPE).payableTenths).toBe(20);
    // just below half: 4 passages of 6.4 km (7.68 -> 7.6) = 30.4 - 24 = 6.4 -> 6
    const f = tariff(5, { F: 64 });
    expect(
      priceDay(
        six.slice(0, 4).map((p) => ({ ...p, gantryId: "F" })),
        set(f),
        [],
        TPE,
      ).payableTenths,
    ).toBe(60);
    // Long-distance quarter tenths: 389.5 - 37.375 - 24 = 328.125 -> 328 (not 329)
    const q = tariff(4, { Q: 3246 }); // 324.6 km x 1.2 = 389.52 -> 389.5
    expect(priceDay([at("2024-03-25T08:00:00+08:00", "Q")], set(q), [], TPE).payableTenths).toBe(3280);
  });

  test("passages at 23:59 and 00:01 local belong to different days", () => {
    expect(() => priceDay([at("2024-03-25T23:59:00+08:00", "C"), at("2024-03-26T00:01:00+08:00", "C")], set(t), [], TPE)).toThrow(RangeError);
    const late = priceDay([at("2024-03-25T23:59:00+08:00", "C")], set(t), [], TPE);
    const early = priceDay([at("2024-03-26T00:01:00+08:00", "C")], set(t), [], TPE);
    expect([late.localDay, early.localDay]).toEqual(["2024-03-25", "2024-03-26"]);
    // each day gets its own free 20 km: 180 - 24 = 156 twice
    expect(late.payableTenths + early.payableTenths).toBe(2 * 1560);
  });

  test("a gantry of the tariff's network without a zone is not a charging point; one its network does not know is stated as such", () => {
    const known = tariff(1, { A: 100, B: 2000, C: 1500, D: 49, Z: 0 }, { knownGantries: new Set(["C", "NOPE"]) });
    const r = priceDay([at("2024-03-25T08:00:00+08:00", "C"), at("2024-03-25T08:10:00+08:00", "NOPE")], set(known), [], TPE);
    expect(r.lines[1]!.rule).toBe("not_charging");
    expect(r.postedTotalTenths).toBe(1800);
    const unknown = priceDay([at("2024-03-25T08:00:00+08:00", "C"), at("2024-03-25T08:10:00+08:00", "NOPE")], set(t), [], TPE);
    expect(unknown.lines[1]).toMatchObject({ rule: "not_in_tariff", postedTenths: 0, chargedTenths: 0 });
    expect(unknown.postedTotalTenths).toBe(1800);
  });
});

describe("daily toll: special days", () => {
  const t = tariff(1, { B: 2000, C: 1500, A: 100 });
  const p = [at("2024-02-10T08:00:00+08:00", "B"), at("2024-02-10T09:00:00+08:00", "C")]; // 420.0 posted

  test("single-rate day: 75 % of posted, no free km, no long-distance discount", () => {
    const sd: SpecialDay[] = [{ id: 1, tariffId: null, day: "2024-02-10", kind: "single_rate", rateBp: 7500 }];
    const r = priceDay(p, set(t), sd, TPE);
    expect(r.singleRateDay).toBe(true);
    expect(r.chargedTotalTenths).toBe(3150);
    expect(r.freeTenths).toBe(0);
    expect(r.longDiscountTenths).toBe(0);
    expect(r.payableTenths).toBe(3150);
    // Another day is unaffected.
    const other = priceDay([at("2024-02-11T08:00:00+08:00", "B"), at("2024-02-11T09:00:00+08:00", "C")], set(t), sd, TPE);
    expect(other.payableTenths).toBe(3510);
    // A row for another tariff does not apply.
    expect(priceDay(p, set(t), [{ ...sd[0]!, tariffId: 99 } as SpecialDay], TPE).singleRateDay).toBe(false);
  });

  test("free hours: passages in [from, to) local cost 0", () => {
    const sd: SpecialDay[] = [{ id: 2, tariffId: null, day: "2024-02-10", kind: "free_hours", fromSecond: 0, toSecond: 8.5 * 3600 }];
    const r = priceDay(p, set(t), sd, TPE);
    expect(r.lines.map((l) => l.rule)).toEqual(["free_hours", "normal"]);
    expect(r.chargedTotalTenths).toBe(1800);
    expect(r.payableTenths).toBe(1560);
    // The boundary is exclusive at the end: 09:00 with to = 09:00 is charged.
    const edge: SpecialDay[] = [{ ...sd[0]!, toSecond: 9 * 3600 } as SpecialDay];
    expect(priceDay(p, set(t), edge, TPE).lines[1]!.chargedTenths).toBe(1800);
  });

  test("section discount: listed gantries get discount_pct off, truncated per passage", () => {
    const sd: SpecialDay[] = [{ id: 3, tariffId: null, day: "2024-02-10", kind: "section_discount", gantryIds: new Set(["C", "A"]), discountBp: 3333 }];
    const r = priceDay([...p, at("2024-02-10T10:00:00+08:00", "A")], set(t), sd, TPE);
    // C: 180.0 x 66.67 % = 120.006 -> 120.0; A: 12.0 x 66.67 % = 8.0004 -> 8.0
    expect(r.lines.map((l) => l.chargedTenths)).toEqual([2400, 1200, 80]);
    expect(r.specialDiscountTenths).toBe(600 + 40);
    // 368.0 - 0.25 x 128 - 24 = 312
    expect(r.payableTenths).toBe(3120);
  });

  test("never below 0 even when everything is free", () => {
    const sd: SpecialDay[] = [{ id: 4, tariffId: null, day: "2024-02-10", kind: "free_hours", fromSecond: 0, toSecond: 86400 }];
    expect(priceDay(p, set(t), sd, TPE).payableTenths).toBe(0);
  });
});

describe("daily toll: tariff versions", () => {
  test("each passage uses its own tariff; the day's thresholds come from the first passage's tariff", () => {
    const v1 = tariff(1, { B: 2000 }, { effectiveTo: new Date("2024-03-25T12:00:00+08:00") });
    const v2 = tariff(
      2,
      { B: 2000 },
      {
        effectiveFrom: new Date("2024-03-25T12:00:00+08:00"),
        ratesTenthsPerKm: new Map([[31, 10]]),
        dailyFreeKmTenths: 0,
      },
    );
    const r = priceDay([at("2024-03-25T08:00:00+08:00", "B"), at("2024-03-25T13:00:00+08:00", "B")], set(v1, v2), [], TPE);
    expect(r.lines.map((l) => [l.tariffId, l.postedTenths])).toEqual([
      [1, 2400],
      [2, 2000],
    ]);
    expect(r.tariffId).toBe(1);
    // 440.0 - 0.25 x 200 - 24 (v1's free km) = 366
    expect(r.payableTenths).toBe(3660);
  });

  test("a correction published as a higher version with the same start wins", () => {
    const v1 = tariff(1, { B: 2000 });
    const v2 = tariff(2, { B: 1000 });
    const r = priceDay([at("2024-03-25T08:00:00+08:00", "B")], set(v1, v2), [], TPE);
    expect(r.tariffId).toBe(2);
    expect(r.postedTotalTenths).toBe(1200);
  });

  test("no tariff in force prices nothing", () => {
    const v = tariff(1, { B: 2000 }, { effectiveFrom: new Date("2030-01-01T00:00:00Z") });
    const r = priceDay([at("2024-03-25T08:00:00+08:00", "B")], set(v), [], TPE);
    expect(r.lines[0]!.rule).toBe("no_tariff");
    expect(r.payableTenths).toBe(0);
  });
});
