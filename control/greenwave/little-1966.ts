import type { Arterial } from "./arterial.ts";

/**
 * Little's 1966 arterial (J.D.C. Little, "The synchronization of traffic signals by mixed-integer
 * linear programming", Operations Research 14(4), 1966): 10 signals, the classic MAXBAND test case.
 * Equal bands, no queue clearance, no left-turn phases.
 */
export const LITTLE_DISTANCES_M = [0, 168, 213, 335, 213, 244, 198, 122, 213, 137] as const;
export const LITTLE_GREENS = [0.53, 0.6, 0.6, 0.53, 0.52, 0.58, 0.6, 0.6, 0.6, 0.58] as const;

export function littleArterial(): Arterial {
  return {
    signals: LITTLE_DISTANCES_M.map((d, i) => ({ name: `S${i + 1}`, distanceM: d, green: LITTLE_GREENS[i]! })),
    cycleMinS: 55,
    cycleMaxS: 75,
    outboundSpeed: { minMs: 13.4, maxMs: 17.9 },
    inboundSpeed: { minMs: 13.4, maxMs: 17.9 },
    speedChangeOut: 0.0121,
    speedChangeIn: 0.0121,
    bandRatio: 1,
  };
}

/**
 * A longer arterial, deterministic: Little's arterial repeated `copies` times (the link into each copy's
 * first signal is 180 m), for benchmarks of 20 and 30 signals.
 */
export function extendedLittleArterial(signalCount: number): Arterial {
  const base = littleArterial();
  const signals = Array.from({ length: signalCount }, (_, i) => {
    const j = i % LITTLE_DISTANCES_M.length;
    const distanceM = i === 0 ? 0 : j === 0 ? 180 : LITTLE_DISTANCES_M[j]!;
    return { name: `S${i + 1}`, distanceM, green: LITTLE_GREENS[j]! };
  });
  return { ...base, signals };
}
