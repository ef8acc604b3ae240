import { describe, expect, test } from "bun:test";
import { DEFAULT_PRICING, nextPrice, type PriceState } from "./price-controller.ts";

const start: PriceState = { permille: 1000, above: 0 };

describe("price controller", () => {
  test("slow traffic raises the price by at most the step per update, on the grid, up to the maximum", () => {
    let s = start;
    const seen: number[] = [];
    for (let k = 0; k < 20; k++) {
      const next = nextPrice(s, 30, 200);
      expect(Math.abs(next.permille - s.permille)).toBeLessThanOrEqual(DEFAULT_PRICING.maxStepPermille);
      expect(next.permille % 50).toBe(0);
      seen.push(next.permille);
      s = next;
    }
    expect(seen.slice(0, 3)).toEqual([1250, 1500, 1750]);
    expect(s.permille).toBe(DEFAULT_PRICING.maxPermille);
    expect(nextPrice({ permille: 1000, above: 0 }, 70, 200).permille).toBe(1050);
  });

  test("fast traffic lowers it only after two updates above the band; in the band it holds (no oscillation)", () => {
    const high = { permille: 2000, above: 0 };
    const a = nextPrice(high, 100, 200);
    expect(a).toEqual({ permille: 2000, above: 1, reason: "hysteresis" });
    const b = nextPrice(a, 100, 200);
    expect(b).toEqual({ permille: 1750, above: 2, reason: "above-band" }); // (100 - 88) x 25 = 300, at most 250
    expect(nextPrice(b, 80, 200)).toEqual({ permille: 1750, above: 0, reason: "in-band" });

    // never below the fixed rate
    let s: PriceState = { permille: 1100, above: 5 };
    for (let k = 0; k < 5; k++) s = nextPrice(s, 110, 200);
    expect(s.permille).toBe(1000);
  });

  test("a speed alternating around the target moves the price one way only (hysteresis band 72-88 km/h)", () => {
    let s: PriceState = { permille: 1500, above: 0 };
    const path: number[] = [];
    for (let k = 0; k < 12; k++) {
      s = nextPrice(s, k % 2 ? 86 : 74, 200);
      path.push(s.permille);
    }
    expect(new Set(path)).toEqual(new Set([1500]));
  });

  test("no evidence holds; operator cap applies at once and freeze holds the price", () => {
    expect(nextPrice({ permille: 1500, above: 0 }, 30, 3).reason).toBe("no-evidence");
    expect(nextPrice({ permille: 1500, above: 0 }, null, 300).permille).toBe(1500);
    expect(nextPrice({ permille: 2500, above: 0 }, 30, 300, DEFAULT_PRICING, { capPermille: 1800 })).toEqual({ permille: 1800, above: 0, reason: "capped" });
    expect(nextPrice({ permille: 1500, above: 0 }, 20, 300, DEFAULT_PRICING, { frozen: true })).toEqual({ permille: 1500, above: 0, reason: "frozen" });
  });

  test("with a capacity: a flow near it raises the price before the speed falls; light flow lets it down after two updates", () => {
    const cap = 6000; // veh/h: 500 in 5 minutes
    // 96 % of capacity at 85 km/h (in the band): up by 60 % of the maximum step (150), on the grid.
    expect(nextPrice(start, 85, 480, DEFAULT_PRICING, {}, cap)).toEqual({ permille: 1150, above: 0, reason: "high-flow" });
    // At capacity (even above the band): the maximum step.
    expect(nextPrice(start, 95, 500, DEFAULT_PRICING, {}, cap)).toEqual({ permille: 1250, above: 0, reason: "high-flow" });
    // Between 75 % and 90 % in the band: holds.
    expect(nextPrice({ permille: 1500, above: 1 }, 80, 400, DEFAULT_PRICING, {}, cap)).toEqual({ permille: 1500, above: 0, reason: "in-band" });
    // Below 75 % (50 %): down after two such updates, by (0.75 - 0.5) / 0.75 of the maximum step = 83 -> 100.
    const once = nextPrice({ permille: 1500, above: 0 }, 80, 250, DEFAULT_PRICING, {}, cap);
    expect(once).toEqual({ permille: 1500, above: 1, reason: "hysteresis" });
    expect(nextPrice(once, 80, 250, DEFAULT_PRICING, {}, cap)).toEqual({ permille: 1400, above: 2, reason: "low-flow" });
    // Slower than the target always raises, whatever the flow.
    expect(nextPrice(start, 60, 100, DEFAULT_PRICING, {}, cap).reason).toBe("below-target");
    // No capacity: the flow is not judged (speed only).
    expect(nextPrice(start, 85, 10_000).reason).toBe("in-band");
  });
});
