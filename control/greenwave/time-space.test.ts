import { describe, expect, test } from "bun:test";
import { littleArterial } from "./little-1966.ts";
import { oneWayProgression } from "./maxband.ts";
import { timeSpaceRows, widestBand } from "./time-space.ts";

describe("widestBand", () => {
  test("aligned greens give the smallest green; a shift narrows the band", () => {
    expect(
      widestBand(
        60,
        [
          { startS: 0, durationS: 30 },
          { startS: 10, durationS: 20 },
        ],
        [0, 10],
      ).widthS,
    ).toBeCloseTo(20, 9);
    const shifted = widestBand(
      60,
      [
        { startS: 0, durationS: 30 },
        { startS: 25, durationS: 30 },
      ],
      [0, 10],
    );
    expect(shifted.widthS).toBeCloseTo(15, 9);
    expect(shifted.startS).toBeCloseTo(15, 9);
    expect(
      widestBand(
        60,
        [
          { startS: 0, durationS: 20 },
          { startS: 30, durationS: 20 },
        ],
        [0, 0],
      ).widthS,
    ).toBe(0);
  });

  test("windows that wrap around the cycle end are handled", () => {
    expect(
      widestBand(
        60,
        [
          { startS: 50, durationS: 30 },
          { startS: 115, durationS: 20 },
        ],
        [0, 0],
      ).widthS,
    ).toBeCloseTo(20, 9);
    expect(
      widestBand(
        60,
        [
          { startS: 50, durationS: 30 },
          { startS: 0, durationS: 30 },
        ],
        [0, 0],
      ),
    ).toEqual({ widthS: expect.closeTo(20, 9), startS: expect.closeTo(0, 9) });
  });
});

describe("timeSpaceRows", () => {
  const plan = oneWayProgression(littleArterial(), 60);
  const rows = timeSpaceRows(plan.cycleS, plan.signals, plan.links);

  test("each signal and direction is covered by green and red windows over two cycles", () => {
    for (const [i, s] of plan.signals.entries()) {
      for (const dir of ["outbound", "inbound"] as const) {
        const w = rows.filter((r) => r.seq === i + 1 && r.direction === dir && (r.kind === "green" || r.kind === "red"));
        expect(w.reduce((t, r) => t + (r.toS - r.fromS), 0)).toBeCloseTo(120, 6);
        expect(w.every((r) => r.fromM === s.positionM && r.toM === s.positionM)).toBe(true);
        const green = w.filter((r) => r.kind === "green").reduce((t, r) => t + (r.toS - r.fromS), 0);
        expect(green).toBeCloseTo(2 * s.greenS, 6);
      }
    }
  });

  test("outbound band edges run from signal to signal inside the greens", () => {
    const lower = rows.filter((r) => r.kind === "band_lower" && r.direction === "outbound");
    const upper = rows.filter((r) => r.kind === "band_upper" && r.direction === "outbound");
    expect(lower).toHaveLength(2 * (plan.signals.length - 1));
    expect(upper.map((u, j) => u.fromS - lower[j]!.fromS)).toEqual(upper.map(() => expect.closeTo(plan.outbound.widthS, 9)));
    for (const e of lower) {
      const greens = rows.filter((r) => r.kind === "green" && r.direction === "outbound" && r.fromM === e.toM);
      const t = e.toS % 120;
      expect(greens.some((g) => t >= g.fromS - 1e-6 && t <= g.toS + 1e-6)).toBe(true);
    }
    // No inbound band on this plan, so no inbound edges.
    expect(rows.some((r) => r.direction === "inbound" && r.kind.startsWith("band"))).toBe(false);
  });
});
