import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHighsLoader } from "../greenwave/highs.ts";
import { MaxbandSolver } from "../greenwave/maxband.ts";
import { validateCorridor, type CorridorSpec } from "./corridor.ts";
import { arterialFraction, PlanBuilder, splitsAt } from "./plan-builder.ts";

// HiGHS solves take seconds when the shared machine is busy.
setDefaultTimeout(60_000);

const flows = (main: number, side: number) => [
  { name: "main", arterial: true, flow: main, saturation: 1600 },
  { name: "side", flow: side, saturation: 1600 },
];

const corridor = (): CorridorSpec => ({
  name: "t",
  cycleMinS: 30,
  cycleMaxS: 120,
  outboundSpeed: { minMs: 12, maxMs: 14 },
  inboundSpeed: { minMs: 12, maxMs: 14 },
  bandRatio: 1,
  intersections: [
    { name: "A", distanceM: 0, lostTimeS: 16, phases: flows(500, 300) },
    { name: "B", distanceM: 250, lostTimeS: 12, phases: flows(640, 480) },
    {
      name: "C",
      distanceM: 300,
      phases: [
        { name: "main", greenS: 40, redS: 30 },
        { name: "side", greenS: 24 },
      ],
    },
  ],
});

describe("plan builder", () => {
  test("Webster splits at a cycle and the fixed timing scaled to it", () => {
    const c = corridor();
    // A: the Webster vector (C0 = 58 s, greens 26.25 / 15.75 s).
    expect(splitsAt(c.intersections[0]!, c, 58)).toEqual([
      { phase: "main", greenS: expect.closeTo(26.25, 9) },
      { phase: "side", greenS: expect.closeTo(15.75, 9) },
    ]);
    expect(arterialFraction(c.intersections[0]!, c, 58)).toBeCloseTo(26.25 / 58, 9);
    expect(arterialFraction(c.intersections[2]!, c, 90)).toBeCloseTo(40 / 70, 9);
    expect(splitsAt(c.intersections[2]!, c, 140).map((s) => s.greenS)).toEqual([expect.closeTo(80, 9), expect.closeTo(48, 9)]);
  });

  test("the critical intersection's Webster cycle bounds the common cycle; splits fill the chosen cycle", async () => {
    const c = corridor();
    const plan = await new PlanBuilder(new MaxbandSolver(createHighsLoader())).build(c, {
      outbound: { ...c.outboundSpeed, source: "configured" },
      inbound: { ...c.inboundSpeed, source: "configured" },
    });
    // B: y = 0.4 and 0.3, L = 12 s -> C0 = 76.7 s, above A's 58 s.
    expect(plan.intersections[1]!.webster!.cycleS).toBeCloseTo(23 / 0.3, 6);
    expect(plan.cycleRangeS[0]).toBeCloseTo(23 / 0.3, 6);
    expect(plan.cycleS).toBeGreaterThanOrEqual(23 / 0.3 - 1e-6);
    const a = plan.intersections[0]!;
    expect(a.splits.reduce((s, x) => s + x.greenS, 0) + 16).toBeCloseTo(plan.cycleS, 6);
    expect(plan.intersections[2]!.webster).toBeNull();
    expect(plan.outboundBandS + plan.inboundBandS).toBeGreaterThan(plan.baseline.outboundBandS + plan.baseline.inboundBandS - 1e-6);
    expect(plan.timeSpace.length).toBeGreaterThan(0);
  });

  test("corridor validation names every problem", () => {
    const c = corridor();
    c.intersections[1]!.distanceM = 0;
    c.intersections[2]!.name = "A";
    c.intersections[0]!.lostTimeS = 40;
    expect(() => validateCorridor(c)).toThrow(/intersections\.1\.distanceM.*intersections\.2\.name|intersections\.0\.lostTimeS/);
    try {
      validateCorridor(c);
    } catch (e) {
      expect((e as { fields: { field: string }[] }).fields.map((f) => f.field).sort()).toEqual([
        "body.intersections.0.lostTimeS",
        "body.intersections.1.distanceM",
        "body.intersections.2.name",
      ]);
    }
  });
});
