import { TollwayError } from "../../core/errors/tollway-error.ts";

/**
 * Webster's fixed-time signal setting (Webster 1958, Road Research Technical Paper 39):
 * optimal cycle C0 = (1.5 L + 5) / (1 - Y) and effective greens proportional to the critical flow
 * ratios y_j = q_j / s_j of each stage, sharing C - L.
 */

/** One movement (lane group) of a phase: flow and saturation flow in pcu/h. */
export interface PhaseFlow {
  name: string;
  flow: number;
  saturation: number;
  /** Movements of the same stage run together; the stage's critical ratio is their maximum y. Defaults to `name`. */
  stage?: string;
}

export interface WebsterInput {
  phases: readonly PhaseFlow[];
  /** Total lost time per cycle, seconds. */
  lostTimeS: number;
  cycleMinS: number;
  cycleMaxS: number;
}

export interface StageGreen {
  stage: string;
  /** Critical flow ratio of the stage. */
  y: number;
  /** The movement that set y. */
  criticalPhase: string;
  effectiveGreenS: number;
}

export interface WebsterResult {
  /** Cycle to use, seconds, inside [cycleMinS, cycleMaxS]. */
  cycleS: number;
  /** Unclamped optimum C0, seconds; null when Y >= 1 (no finite optimum). */
  optimalCycleS: number | null;
  /** Sum of the critical flow ratios. */
  flowRatioSum: number;
  oversaturated: boolean;
  /** True when C0 lay outside the allowed range (or did not exist). */
  clamped: boolean;
  lostTimeS: number;
  stages: StageGreen[];
}

/** Webster's C0 without guards; Y must be < 1. */
export function websterOptimalCycle(lostTimeS: number, flowRatioSum: number): number {
  return (1.5 * lostTimeS + 5) / (1 - flowRatioSum);
}

export function webster(input: WebsterInput): WebsterResult {
  const { lostTimeS, cycleMinS, cycleMaxS } = input;
  if (!(lostTimeS >= 0)) throw new TollwayError("unprocessable", "lost time must be >= 0 s");
  if (!(cycleMinS > 0 && cycleMaxS >= cycleMinS)) throw new TollwayError("unprocessable", "cycle range must satisfy 0 < min <= max");
  if (lostTimeS >= cycleMinS) throw new TollwayError("unprocessable", "lost time must be shorter than the minimum cycle");
  if (input.phases.length === 0) throw new TollwayError("unprocessable", "Webster needs at least one phase");

  const stages = new Map<string, { y: number; critical: string }>();
  for (const p of input.phases) {
    if (!(p.saturation > 0)) throw new TollwayError("unprocessable", `phase ${p.name}: saturation flow must be > 0`);
    if (!(p.flow >= 0)) throw new TollwayError("unprocessable", `phase ${p.name}: flow must be >= 0`);
    const key = p.stage ?? p.name;
    const y = p.flow / p.saturation;
    const cur = stages.get(key);
    if (!cur || y > cur.y) stages.set(key, { y, critical: p.name });
  }
  const Y = [...stages.values()].reduce((s, v) => s + v.y, 0);
  const oversaturated = Y >= 1;
  const optimal = oversaturated ? null : websterOptimalCycle(lostTimeS, Y);
  // Y >= 1: no cycle serves the demand; the longest allowed cycle loses the least capacity to lost time.
  const raw = optimal ?? cycleMaxS;
  const cycleS = Math.min(cycleMaxS, Math.max(cycleMinS, raw));
  const usable = cycleS - lostTimeS;
  const n = stages.size;
  return {
    cycleS,
    optimalCycleS: optimal,
    flowRatioSum: Y,
    oversaturated,
    clamped: optimal === null || cycleS !== optimal,
    lostTimeS,
    // With no demand at all, split the usable green evenly.
    stages: [...stages.entries()].map(([stage, v]) => ({
      stage,
      y: v.y,
      criticalPhase: v.critical,
      effectiveGreenS: Y > 0 ? (usable * v.y) / Y : usable / n,
    })),
  };
}
