import { describe, expect, test } from "bun:test";
import { CongestionPrices, PRICE_VALIDITY_MS, type PublishedPrice, pricedTenths } from "./congestion-prices.ts";

const MIN = 60_000;
const A = "01F0264S";
const B = "01F0293S";
const C = "01F0339S";
const log: PublishedPrice[] = [
  { id: 1, fromGantry: A, toGantry: B, announcedAtMs: 0, effectiveFromMs: 5 * MIN, permille: 1500 },
  { id: 2, fromGantry: A, toGantry: B, announcedAtMs: 5 * MIN, effectiveFromMs: 10 * MIN, permille: 1750 },
  { id: 3, fromGantry: A, toGantry: B, announcedAtMs: 10 * MIN, effectiveFromMs: 15 * MIN, permille: 1250 },
  { id: 4, fromGantry: B, toGantry: C, announcedAtMs: 0, effectiveFromMs: 5 * MIN, permille: 2000 },
  { id: 5, fromGantry: B, toGantry: C, announcedAtMs: 10 * MIN, effectiveFromMs: 15 * MIN, permille: 2500 },
];
const prices = new CongestionPrices(log);
const at = (gantryId: string, minutes: number) => ({ gantryId, ts: new Date(minutes * MIN) });

describe("congestion prices from the log", () => {
  test("the price in force: the newest effective one, the fixed rate before the first and after it lapses", () => {
    const seg = `${A}>${B}`;
    expect(prices.priceAt(seg, 5 * MIN - 1)).toEqual({ permille: 1000, logId: null });
    expect(prices.priceAt(seg, 5 * MIN)).toEqual({ permille: 1500, logId: 1 });
    expect(prices.priceAt(seg, 14 * MIN)).toEqual({ permille: 1750, logId: 2 });
    // The last price is not renewed: it lapses 15 min after it took effect.
    expect(prices.priceAt(seg, 15 * MIN + PRICE_VALIDITY_MS - 1).permille).toBe(1250);
    expect(prices.priceAt(seg, 15 * MIN + PRICE_VALIDITY_MS)).toEqual({ permille: 1000, logId: null });
    expect(prices.priceAt("X>Y", 12 * MIN).permille).toBe(1000);
  });

  test("entry lock: a vehicle pays the price at its section entry, or the lower one at the gantry", () => {
    // Read at A at 6 min (1.5x), at B at 11 min (1.75x in force): pays 1.5x, the entry price.
    // At C at 16 min: the section began at A; B>C was 2.0x then and 2.5x at C: pays 2.0x.
    const [a, b, c] = prices.chargesOf([at(A, 6), at(B, 11), at(C, 16)]);
    expect(a).toBeNull();
    expect(b).toMatchObject({ segment: `${A}>${B}`, permille: 1500, logId: 1, atPassage: { permille: 1750 } });
    expect(b!.sectionEntry).toEqual(new Date(6 * MIN));
    expect(c).toMatchObject({ segment: `${B}>${C}`, permille: 2000, logId: 4, atEntry: { permille: 2000 }, atPassage: { permille: 2500 } });
    expect(c!.sectionEntry).toEqual(new Date(6 * MIN));
    // Entered at A at 11 min (1.75x), the price fell to 1.25x before B: pays 1.25x.
    expect(prices.chargesOf([at(A, 11), at(B, 16)])[1]).toMatchObject({ permille: 1250, logId: 3, atEntry: { permille: 1750 } });
  });

  test("an unobserved (ramp) entry is the gantry read itself; an old read upstream does not lock a price", () => {
    expect(prices.chargesOf([at(B, 12)])[0]).toMatchObject({ segment: `${A}>${B}`, permille: 1750, atEntry: { permille: 1750 } });
    // At A in the morning, at B hours later: not the same drive.
    const [, late] = prices.chargesOf([at(A, 6), at(B, 6 + 61)]);
    expect(late!.sectionEntry).toEqual(new Date(67 * MIN));
  });

  test("charges are the posted price times the multiplier, truncated to NT$0.1", () => {
    // NT$9.9 x 1.25 = 12.375: NT$12.3.
    expect(pricedTenths(99, 1250)).toBe(123);
    expect(pricedTenths(100, 1750)).toBe(175);
    expect(pricedTenths(25, 1000)).toBe(25);
    expect(() => new CongestionPrices([{ ...log[0]!, permille: 999 }])).toThrow(RangeError);
  });
});
