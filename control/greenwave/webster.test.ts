import { describe, expect, test } from "bun:test";
import { webster, websterOptimalCycle } from "./webster.ts";

describe("Webster", () => {
  test("flows 500 and 300 pcu/h, saturation 1600, L = 16 s: C0 = 58 s, greens 26.25 / 15.75 s", () => {
    const r = webster({
      phases: [
        { name: "A", flow: 500, saturation: 1600 },
        { name: "B", flow: 300, saturation: 1600 },
      ],
      lostTimeS: 16,
      cycleMinS: 30,
      cycleMaxS: 120,
    });
    expect(r.optimalCycleS).toBeCloseTo(58, 9);
    expect(r.cycleS).toBeCloseTo(58, 9);
    expect(r.clamped).toBe(false);
    expect(r.stages.map((s) => s.effectiveGreenS)).toEqual([expect.closeTo(26.25, 9), expect.closeTo(15.75, 9)]);
    expect(r.stages.reduce((s, g) => s + g.effectiveGreenS, 0) + r.lostTimeS).toBeCloseTo(r.cycleS, 9);
  });

  test("y = 0.4 and 0.3, L = 12 s: C0 = 76.7 s", () => {
    expect(websterOptimalCycle(12, 0.7)).toBeCloseTo(76.67, 2);
    const r = webster({
      phases: [
        { name: "A", flow: 400, saturation: 1000 },
        { name: "B", flow: 300, saturation: 1000 },
      ],
      lostTimeS: 12,
      cycleMinS: 40,
      cycleMaxS: 150,
    });
    expect(Math.round(r.cycleS * 10) / 10).toBe(76.7);
  });

  test("the critical movement sets a stage's ratio", () => {
    const r = webster({
      phases: [
        { name: "NB", flow: 500, saturation: 1600, stage: "NS" },
        { name: "SB", flow: 200, saturation: 1600, stage: "NS" },
        { name: "EW", flow: 300, saturation: 1600 },
      ],
      lostTimeS: 16,
      cycleMinS: 30,
      cycleMaxS: 120,
    });
    expect(r.flowRatioSum).toBeCloseTo(0.5, 9);
    expect(r.stages.find((s) => s.stage === "NS")?.criticalPhase).toBe("NB");
  });

  test("oversaturated (Y >= 1) is reported and uses the maximum cycle", () => {
    const r = webster({
      phases: [
        { name: "A", flow: 1000, saturation: 1600 },
        { name: "B", flow: 700, saturation: 1600 },
      ],
      lostTimeS: 10,
      cycleMinS: 40,
      cycleMaxS: 120,
    });
    expect(r.oversaturated).toBe(true);
    expect(r.optimalCycleS).toBeNull();
    expect(r.cycleS).toBe(120);
    expect(r.stages.reduce((s, g) => s + g.effectiveGreenS, 0)).toBeCloseTo(110, 9);
  });

  test("C0 is clamped to the cycle range", () => {
    const low = webster({ phases: [{ name: "A", flow: 100, saturation: 1800 }], lostTimeS: 4, cycleMinS: 40, cycleMaxS: 120 });
    expect(low.optimalCycleS!).toBeLessThan(40);
    expect(low.cycleS).toBe(40);
    expect(low.clamped).toBe(true);
    const high = webster({
      phases: [
        { name: "A", flow: 900, saturation: 1000 },
        { name: "B", flow: 50, saturation: 1000 },
      ],
      lostTimeS: 10,
      cycleMinS: 40,
      cycleMaxS: 120,
    });
    expect(high.optimalCycleS!).toBeGreaterThan(120);
    expect(high.cycleS).toBe(120);
  });

  test("bad inputs are refused", () => {
    expect(() => webster({ phases: [{ name: "A", flow: 1, saturation: 0 }], lostTimeS: 4, cycleMinS: 40, cycleMaxS: 90 })).toThrow(/saturation/);
    expect(() => webster({ phases: [], lostTimeS: 4, cycleMinS: 40, cycleMaxS: 90 })).toThrow(/phase/);
    expect(() => webster({ phases: [{ name: "A", flow: 1, saturation: 10 }], lostTimeS: 50, cycleMinS: 40, cycleMaxS: 90 })).toThrow(/lost time/);
  });
});
