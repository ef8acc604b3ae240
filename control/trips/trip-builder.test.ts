import { describe, expect, test } from "bun:test";
import { SegmentNetwork } from "../network/segment-network.ts";
import { PassageColumns } from "../traveltime/passage-columns.ts";
import { buildTrips } from "./trip-builder.ts";

const net = new SegmentNetwork(
  [
    { id: "01F0100S", km: 10 },
    { id: "01F0200S", km: 20 },
    { id: "01F0250S", km: 25 },
    { id: "03F0500N", km: 50 },
  ],
  [{ fromGantry: "01F0100S", toGantry: "01F0200S", freeway: "01F", direction: "S", lengthKm: 10, freeFlowKmh: 100 }],
);
const T0 = Date.parse("2026-11-26T00:00:00Z");
const min = 60_000;

describe("buildTrips", () => {
  test("a gap over 30 minutes ends a trip; the last trip is open until 30 minutes pass", () => {
    const cols = new PassageColumns(net);
    cols.push(T0, "01F0100S", "tagA", 31);
    cols.push(T0 + 6 * min, "01F0200S", "tagA", 31);
    cols.push(T0 + 9 * min, "01F0250S", "tagA", 31);
    cols.push(T0 + 9 * min, "03F0500N", "plate:XYZ-0001", 42);
    cols.push(T0 + 50 * min, "01F0250S", "tagA", 31); // 41 min later: a new trip
    const trips = buildTrips(cols, net, T0 + 60 * min);
    expect(trips.map((t) => [t.vehicleKey, t.startGantry, t.endGantry, t.path.length, t.lengthKm, t.tripEnd, t.vehicleClass])).toEqual([
      ["tagA", "01F0100S", "01F0250S", 3, 15, true, 31],
      ["tagA", "01F0250S", "01F0250S", 1, 0, false, 31],
      ["plate:XYZ-0001", "03F0500N", "03F0500N", 1, 0, true, 42],
    ]);
    expect(trips[0]!.path[1]).toEqual({ ts: new Date(T0 + 6 * min).toISOString(), gantry: "01F0200S" });
  });
});
