import { LITTLE_DISTANCES_M, LITTLE_GREENS } from "../../control/greenwave/little-1966.ts";
import type { CorridorSpec } from "../../control/signals/corridor.ts";
import { signalRoutes } from "../../gateway/routes/signals/index.ts";
import { createTestGateway, type TestGateway } from "./gateway.ts";

/** Shared fixtures for the green-wave API tests. */

export const gatewayWithSignals = (): Promise<TestGateway> => createTestGateway({ routes: signalRoutes });

/** Little's 1966 arterial as an operator would enter it: fixed timings (green/red per 100 s). */
export function littleCorridor(name = "Little 1966"): CorridorSpec {
  return {
    name,
    description: "Little (1966) test arterial",
    cycleMinS: 55,
    cycleMaxS: 75,
    outboundSpeed: { minMs: 13.4, maxMs: 17.9 },
    inboundSpeed: { minMs: 13.4, maxMs: 17.9 },
    speedChange: { outboundSPerM: 0.0121, inboundSPerM: 0.0121 },
    bandRatio: 1,
    intersections: LITTLE_DISTANCES_M.map((d, i) => ({
      name: `Signal ${i + 1}`,
      distanceM: d,
      phases: [
        { name: "main", arterial: true, greenS: LITTLE_GREENS[i]! * 100, redS: 100 - LITTLE_GREENS[i]! * 100 },
        { name: "side", greenS: 100 - LITTLE_GREENS[i]! * 100 - 8 },
      ],
    })),
  };
}

/** A four-intersection corridor timed by Webster from flows. */
export function flowCorridor(name = "Flow St"): CorridorSpec {
  const phases = (main: number, side: number) => [
    { name: "main", arterial: true, flow: main, saturation: 1800 },
    { name: "side", flow: side, saturation: 1600 },
  ];
  return {
    name,
    cycleMinS: 40,
    cycleMaxS: 120,
    outboundSpeed: { minMs: 11, maxMs: 15 },
    inboundSpeed: { minMs: 11, maxMs: 15 },
    bandRatio: 1,
    intersections: [
      { name: "A", distanceM: 0, lostTimeS: 10, phases: phases(900, 300) },
      { name: "B", distanceM: 300, lostTimeS: 10, phases: phases(800, 500) },
      { name: "C", distanceM: 250, lostTimeS: 12, phases: phases(700, 200), leftTurn: { outboundFraction: 0.08, outbound: "optimize" } },
      { name: "D", distanceM: 400, lostTimeS: 10, phases: phases(850, 350), queueClearance: { outboundS: 3 } },
    ],
  };
}
