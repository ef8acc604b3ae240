import { TollwayError } from "../../core/errors/tollway-error.ts";
import type { Arterial, ArterialSignal, ProgressionPlan, SignalTiming, SpeedRange } from "../greenwave/arterial.ts";
import { oneWayProgression, type MaxbandSolver } from "../greenwave/maxband.ts";
import { measureBands, timeSpaceRows, type TimeSpaceRow } from "../greenwave/time-space.ts";
import { webster, type WebsterResult } from "../greenwave/webster.ts";
import { arterialPhase, timingMode, type CorridorSpec, type IntersectionSpec, type LeadLag, type TimingMode } from "./corridor.ts";

/**
 * Corridor -> signal plan: Webster per intersection (flows) or the given fixed timing, a common
 * cycle, MAXBAND offsets (one-way progression when MAXBAND has no solution), the controller splits at
 * the chosen cycle, and time-space rows for the diagram.
 *
 * Common cycle: the critical intersection (largest Webster cycle, clamped) sets the lower end of the
 * cycle range MAXBAND may use; arterial green fractions are taken at that cycle. Webster's arterial
 * fraction only grows with the cycle, so the exported greens at the final cycle are at least as long
 * as the ones the bands were fitted to (the band stays inside; the diagram shows the exported greens).
 */

export interface Split {
  phase: string;
  greenS: number;
}

export interface IntersectionPlan {
  name: string;
  seq: number;
  mode: TimingMode;
  /** Webster's result for this intersection on its own (flows mode). */
  webster: WebsterResult | null;
  arterialPhase: string;
  /** Arterial green fraction the bands were fitted to. */
  arterialGreenFraction: number;
  offsetS: number;
  /** Green per phase (stage) at the plan's cycle, seconds. */
  splits: Split[];
  leadOut: boolean;
  leadIn: boolean;
}

export interface SpeedsUsed {
  outbound: SpeedRange & { source: "configured" | "measured" };
  inbound: SpeedRange & { source: "configured" | "measured" };
}

export interface ComputedPlan {
  method: ProgressionPlan["method"];
  solverStatus: string;
  cycleS: number;
  cycleRangeS: [number, number];
  outboundBandS: number;
  inboundBandS: number;
  efficiency: number;
  progression: ProgressionPlan;
  /** One-way progression at the same cycle, for comparison. */
  baseline: { outboundBandS: number; inboundBandS: number; objectiveCycles: number };
  intersections: IntersectionPlan[];
  speeds: SpeedsUsed;
  /** Rows for the time-space diagram (see control/greenwave/time-space.ts, TimeSpaceRow). */
  timeSpace: TimeSpaceRow[];
  warnings: string[];
}

const leadOf = (v: LeadLag | undefined): boolean | undefined => (v === "lead" ? true : v === "lag" ? false : undefined);

function stagesOf(i: IntersectionSpec) {
  return new Set(i.phases.map((p) => p.stage ?? p.name)).size;
}

function websterFor(i: IntersectionSpec, c: CorridorSpec): WebsterResult {
  return webster({
    phases: i.phases.map((p) => ({ name: p.name, flow: p.flow!, saturation: p.saturation!, ...(p.stage ? { stage: p.stage } : {}) })),
    lostTimeS: i.lostTimeS ?? 4 * stagesOf(i),
    cycleMinS: c.cycleMinS,
    cycleMaxS: c.cycleMaxS,
  });
}

/** Green per stage at cycle C: Webster shares C - L by flow ratio; a fixed timing is scaled to C. */
export function splitsAt(i: IntersectionSpec, c: CorridorSpec, cycleS: number): Split[] {
  if (timingMode(i) === "webster") {
    const w = websterFor(i, c);
    const usable = cycleS - w.lostTimeS;
    return w.stages.map((s) => ({ phase: s.stage, greenS: w.flowRatioSum > 0 ? (usable * s.y) / w.flowRatioSum : usable / w.stages.length }));
  }
  const art = arterialPhase(i);
  const ownCycle = art.greenS! + art.redS!;
  return i.phases.filter((p) => p.greenS !== undefined).map((p) => ({ phase: p.stage ?? p.name, greenS: (p.greenS! * cycleS) / ownCycle }));
}

function arterialStage(i: IntersectionSpec): string {
  const a = arterialPhase(i);
  return a.stage ?? a.name;
}

export function arterialFraction(i: IntersectionSpec, c: CorridorSpec, cycleS: number): number {
  if (timingMode(i) === "fixed") {
    const a = arterialPhase(i);
    return a.greenS! / (a.greenS! + a.redS!);
  }
  const g = splitsAt(i, c, cycleS).find((s) => s.phase === arterialStage(i))!.greenS;
  return g / cycleS;
}

export class PlanBuilder {
  constructor(private readonly solver: MaxbandSolver) {}

  async build(c: CorridorSpec, speeds: SpeedsUsed): Promise<ComputedPlan> {
    const warnings: string[] = [];
    const websters = c.intersections.map((i) => (timingMode(i) === "webster" ? websterFor(i, c) : null));
    websters.forEach((w, k) => {
      if (w?.oversaturated) warnings.push(`${c.intersections[k]!.name}: oversaturated (Y = ${w.flowRatioSum.toFixed(3)}); using the maximum cycle`);
    });
    const critical = Math.max(c.cycleMinS, ...websters.map((w) => w?.cycleS ?? 0));
    const cycleRange: [number, number] = [Math.min(critical, c.cycleMaxS), c.cycleMaxS];

    const signals: ArterialSignal[] = c.intersections.map((i, k) => {
      const lead = { out: leadOf(i.leftTurn?.outbound), in: leadOf(i.leftTurn?.inbound) };
      const green = arterialFraction(i, c, cycleRange[0]);
      if (!(green > 0 && green < 1))
        throw new TollwayError("unprocessable", `${i.name}: arterial green fraction ${green.toFixed(3)} leaves no band`, {
          fields: [{ field: `body.intersections.${k}.phases`, message: "arterial green must be between 0 and the cycle" }],
        });
      return {
        name: i.name,
        distanceM: k === 0 ? 0 : i.distanceM,
        green,
        ...(i.leftTurn?.outboundFraction ? { leftOut: i.leftTurn.outboundFraction } : {}),
        ...(i.leftTurn?.inboundFraction ? { leftIn: i.leftTurn.inboundFraction } : {}),
        ...(lead.out !== undefined ? { leadOut: lead.out } : {}),
        ...(lead.in !== undefined ? { leadIn: lead.in } : {}),
        ...(i.queueClearance?.outboundS ? { queueOutS: i.queueClearance.outboundS } : {}),
        ...(i.queueClearance?.inboundS ? { queueInS: i.queueClearance.inboundS } : {}),
      };
    });
    const arterial: Arterial = {
      signals,
      cycleMinS: cycleRange[0],
      cycleMaxS: cycleRange[1],
      outboundSpeed: { minMs: speeds.outbound.minMs, maxMs: speeds.outbound.maxMs },
      inboundSpeed: { minMs: speeds.inbound.minMs, maxMs: speeds.inbound.maxMs },
      ...(c.speedChange?.outboundSPerM !== undefined ? { speedChangeOut: c.speedChange.outboundSPerM } : {}),
      ...(c.speedChange?.inboundSPerM !== undefined ? { speedChangeIn: c.speedChange.inboundSPerM } : {}),
      bandRatio: c.bandRatio,
      ...(c.equalBands ? { equalBands: true } : {}),
    };
    const progression = await this.solver.solve(arterial);
    if (progression.note) warnings.push(progression.note);
    const cycleS = progression.cycleS;

    // Exported greens at the chosen cycle; the windows keep their start and may only grow.
    const actual: SignalTiming[] = progression.signals.map((s, k) => {
      const i = c.intersections[k]!;
      const greenS = Math.max(s.greenS, arterialFraction(i, c, cycleS) * cycleS);
      const grow = greenS - s.greenS;
      return {
        ...s,
        greenS,
        outboundGreen: { ...s.outboundGreen, durationS: s.outboundGreen.durationS + grow },
        inboundGreen: { ...s.inboundGreen, durationS: s.inboundGreen.durationS + grow },
      };
    });
    const baselinePlan = oneWayProgression(arterial, cycleS);
    const measured = measureBands(cycleS, actual, progression.links);
    if (measured.outbound.widthS + 1e-6 < progression.outbound.widthS || measured.inbound.widthS + 1e-6 < progression.inbound.widthS) {
      warnings.push("the exported greens give narrower bands than the solver reported");
    }
    return {
      method: progression.method,
      solverStatus: progression.solverStatus,
      cycleS,
      cycleRangeS: cycleRange,
      outboundBandS: progression.outbound.widthS,
      inboundBandS: progression.inbound.widthS,
      efficiency: progression.efficiency,
      progression: { ...progression, signals: actual },
      baseline: {
        outboundBandS: baselinePlan.outbound.widthS,
        inboundBandS: baselinePlan.inbound.widthS,
        objectiveCycles: baselinePlan.objectiveCycles,
      },
      intersections: c.intersections.map((i, k) => ({
        name: i.name,
        seq: k + 1,
        mode: timingMode(i),
        webster: websters[k]!,
        arterialPhase: arterialStage(i),
        arterialGreenFraction: signals[k]!.green,
        offsetS: actual[k]!.offsetS,
        splits: splitsAt(i, c, cycleS),
        leadOut: actual[k]!.leadOut,
        leadIn: actual[k]!.leadIn,
      })),
      speeds,
      timeSpace: timeSpaceRows(cycleS, actual, progression.links),
      warnings,
    };
  }
}
