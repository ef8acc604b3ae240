import { describe, expect, test } from "bun:test";
import { CLASS_COUNT } from "../../core/vehicle/vehicle-class.ts";
import { TrafficData } from "./traffic-data.ts";

// Loading the real network and TDCS days takes seconds on a loaded 2-core machine.
describe("the simulated network is the network of the simulated date", () => {
  const slot = 8 * 12; // 08:00
  const sources = (data: TrafficData, key: string) => {
    const s = data.segmentIndex.get(key);
    if (s === undefined) return undefined;
    return [...Array(CLASS_COUNT).keys()].map((c) => data.travelTimeSource(s, slot, c));
  };

  test("2024-05-07 simulates 01F0153N, 2026 its 2025 id 01F0155N; both with the real days' travel times", () => {
    const may2024 = TrafficData.load({ freeways: ["01F"], atMs: Date.parse("2024-05-07T08:00:00+08:00") });
    expect(may2024.gantryById.has("01F0153N")).toBe(true);
    expect(may2024.gantryById.has("01F0155N")).toBe(false);
    expect(sources(may2024, "01F0213N>01F0153N")?.[0]).not.toBe("default");
    const now = TrafficData.load({ freeways: ["01F"], atMs: Date.parse("2026-11-26T08:00:00+08:00") });
    expect(now.gantryById.has("01F0155N")).toBe(true);
    expect(now.segmentIndex.has("01F0213N>01F0153N")).toBe(false);
    // 2024's rows for 01F0153N reach the same site under its 2025 id
    expect(sources(now, "01F0213N>01F0155N")?.[0]).not.toBe("default");
  }, 60_000);
});
