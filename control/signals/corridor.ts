import { TollwayError, type FieldIssue } from "../../core/errors/tollway-error.ts";
import type { SpeedRange } from "../greenwave/arterial.ts";

/**
 * A signalised corridor as operators describe it. Intersections are ordered outbound (seq 1 first).
 * Each intersection gives its phases either with flows and saturation flows (Webster sets the cycle
 * and splits) or with fixed green/red times; one phase is the arterial (main-street through) phase.
 */
export type LeadLag = "lead" | "lag" | "optimize";

export interface PhaseSpec {
  name: string;
  /** The main-street through phase whose green carries the bands. Default: the first phase. */
  arterial?: boolean;
  /** Movements with the same stage run together; Webster uses the stage's largest flow ratio. */
  stage?: string;
  /** pcu/h */
  flow?: number;
  /** pcu/h of green */
  saturation?: number;
  /** Fixed timing, seconds (used when flows are not given). */
  greenS?: number;
  /** Arterial phase only, with greenS: its red, seconds (green ÷ (green + red) = green fraction). */
  redS?: number;
}

export interface IntersectionSpec {
  name: string;
  /** Distance from the previous intersection, m (0 for the first). */
  distanceM: number;
  /** Lost time per cycle, s; default 4 s per stage. */
  lostTimeS?: number;
  phases: PhaseSpec[];
  /** Protected left turns inside the arterial green, fractions of the cycle. */
  leftTurn?: { outboundFraction?: number; inboundFraction?: number; outbound?: LeadLag; inbound?: LeadLag };
  /** Queue clearance before the band, seconds. */
  queueClearance?: { outboundS?: number; inboundS?: number };
  lat?: number;
  lon?: number;
}

/** Which roadside readers (gantry ids) cover the corridor in each direction. */
export interface MeasuredSpeedSource {
  outbound?: { fromGantry: string; toGantry: string };
  inbound?: { fromGantry: string; toGantry: string };
  /** How far back to look in segment_stats, hours (default 168). */
  windowHours?: number;
}

export interface CorridorSpec {
  name: string;
  description?: string;
  cycleMinS: number;
  cycleMaxS: number;
  outboundSpeed: SpeedRange;
  inboundSpeed: SpeedRange;
  /** Largest change of 1/speed between consecutive links, s/m. */
  speedChange?: { outboundSPerM?: number; inboundSPerM?: number };
  bandRatio: number;
  equalBands?: boolean;
  measuredSpeeds?: MeasuredSpeedSource;
  intersections: IntersectionSpec[];
}

export interface Corridor extends CorridorSpec {
  id: number;
  intersections: (IntersectionSpec & { id: number; seq: number })[];
  createdAt: string;
  updatedAt: string;
}

export type TimingMode = "webster" | "fixed";

export function arterialPhase(i: IntersectionSpec): PhaseSpec {
  return i.phases.find((p) => p.arterial) ?? i.phases[0]!;
}

export function timingMode(i: IntersectionSpec): TimingMode {
  return i.phases.every((p) => p.flow !== undefined && p.saturation !== undefined) ? "webster" : "fixed";
}

/** Domain rules beyond the request schema; all problems at once, with field paths. */
export function validateCorridor(c: CorridorSpec): void {
  const fields: FieldIssue[] = [];
  const bad = (field: string, message: string) => fields.push({ field: `body.${field}`, message });
  if (c.cycleMaxS < c.cycleMinS) bad("cycleMaxS", "must be >= cycleMinS");
  for (const dir of ["outboundSpeed", "inboundSpeed"] as const) if (c[dir].maxMs < c[dir].minMs) bad(`${dir}.maxMs`, "must be >= minMs");
  if (c.intersections.length < 2) bad("intersections", "a corridor needs at least two intersections");
  const names = new Set<string>();
  c.intersections.forEach((i, k) => {
    const at = `intersections.${k}`;
    if (names.has(i.name)) bad(`${at}.name`, "must be unique in the corridor");
    names.add(i.name);
    if (k > 0 && !(i.distanceM > 0)) bad(`${at}.distanceM`, "must be > 0 after the first intersection");
    if (i.phases.length === 0) bad(`${at}.phases`, "needs at least one phase");
    if (i.phases.filter((p) => p.arterial).length > 1) bad(`${at}.phases`, "at most one phase is the arterial phase");
    if (i.phases.length === 0) return;
    const mode = timingMode(i);
    const art = arterialPhase(i);
    if (mode === "fixed") {
      if (art.greenS === undefined || art.redS === undefined)
        bad(`${at}.phases`, "give every phase flow and saturation, or the arterial phase greenS and redS");
      else if (!(art.greenS > 0) || art.redS < 0) bad(`${at}.phases`, "arterial greenS must be > 0 and redS >= 0");
    } else {
      const stages = new Set(i.phases.map((p) => p.stage ?? p.name)).size;
      const lost = i.lostTimeS ?? 4 * stages;
      if (lost >= c.cycleMinS) bad(`${at}.lostTimeS`, "must be shorter than the minimum cycle");
    }
    const l = (i.leftTurn?.outboundFraction ?? 0) + (i.leftTurn?.inboundFraction ?? 0);
    if (l >= 0.5) bad(`${at}.leftTurn`, "left-turn fractions must leave the through movements most of the arterial green");
  });
  if (fields.length) throw new TollwayError("unprocessable", `Corridor is not valid: ${fields.map((f) => `${f.field} ${f.message}`).join("; ")}`, { fields });
}
