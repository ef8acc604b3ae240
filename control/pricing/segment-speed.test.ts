import { describe, expect, test } from "bun:test";
import { entryLookbackMs, measureExits } from "./segment-speed.ts";

const MIN = 60_000;

describe("segment speed by exit", () => {
  test("space-mean speed (total distance / total time) of the vehicles that left, each from its latest upstream read", () => {
    // 3 km: a at 60 km/h (3 min), b at 30 km/h (6 min); b was upstream once before (an hour earlier): its latest read counts.
    const entries = new Map([
      ["a", [10 * MIN]],
      ["b", [-50 * MIN, 7 * MIN]],
    ]);
    const m = measureExits(
      entries,
      [
        { vehicle: "a", exitMs: 13 * MIN },
        { vehicle: "b", exitMs: 13 * MIN },
      ],
      3,
    );
    expect(m.volume).toBe(2);
    // 6 km in 9 min = 40 km/h (not the arithmetic 45).
    expect(m.speedKmh).toBeCloseTo(40, 9);
  });

  test("exits without an upstream read, or implausibly slow or fast, are left out; none: no speed", () => {
    const entries = new Map([
      ["slow", [0]],
      ["fast", [10 * MIN - 1000]],
    ]);
    // 3 km in 40 min (4.5 km/h) and in 1 s: not traffic.
    const m = measureExits(
      entries,
      [
        { vehicle: "slow", exitMs: 40 * MIN },
        { vehicle: "fast", exitMs: 10 * MIN },
        { vehicle: "ramp", exitMs: 10 * MIN },
      ],
      3,
    );
    expect(m).toEqual({ speedKmh: null, volume: 0 });
    expect(entryLookbackMs(3)).toBe(36 * MIN);
  });
});
