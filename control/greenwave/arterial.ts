/**
 * The common shapes of green-wave planning: an arterial of signals along one street, and a
 * progression plan (cycle, offsets, travel times, bands). Fractions are of the cycle; times are seconds.
 *
 * Direction convention: "outbound" runs from signal 1 to signal n, "inbound" from n back to 1.
 * Phase model per signal: the arterial (main-street) green window lasts `green` of the cycle. Protected
 * left turns run at its start (lead) or end (lag) and stop the opposing through movement: the
 * outbound left (`leftOut`) stops inbound through traffic, the inbound left (`leftIn`) stops outbound
 * through traffic. So outbound through green = green - leftIn, inbound through green = green - leftOut.
 */

export interface SpeedRange {
  minMs: number;
  maxMs: number;
}

export interface ArterialSignal {
  name: string;
  /** Distance from the previous signal, m (ignored for the first signal). */
  distanceM: number;
  /** Arterial green window (both throughs plus protected lefts), fraction of the cycle. */
  green: number;
  /** Protected left turn of outbound traffic, fraction of the cycle (0 = none). */
  leftOut?: number;
  /** Protected left turn of inbound traffic, fraction of the cycle (0 = none). */
  leftIn?: number;
  /** true: outbound left leads, false: lags, undefined: the optimiser chooses. */
  leadOut?: boolean;
  leadIn?: boolean;
  /** Queue clearance before the band arrives, seconds (e.g. vehicles turned in from side streets). */
  queueOutS?: number;
  queueInS?: number;
}

export interface Arterial {
  signals: readonly ArterialSignal[];
  cycleMinS: number;
  cycleMaxS: number;
  outboundSpeed: SpeedRange;
  inboundSpeed: SpeedRange;
  /** Largest change of 1/speed between consecutive links, s/m; undefined = unlimited. */
  speedChangeOut?: number;
  speedChangeIn?: number;
  /**
   * Target inbound/outbound band ratio k (1981 form): maximise b + k b-bar subject to
   * (1 - k) b-bar >= (1 - k) k b. For k = 1 that row vanishes: both bands weigh the same, their split is free.
   */
  bandRatio: number;
  /** Force b-bar = b exactly (a stricter reading of "equal bands" than k = 1). */
  equalBands?: boolean;
}

/** A green window in plan time (seconds; signal 1's arterial green starts at 0), repeating every cycle. */
export interface GreenWindow {
  startS: number;
  durationS: number;
}

export interface SignalTiming {
  name: string;
  /** Position along the arterial from signal 1, m. */
  positionM: number;
  /** Start of this signal's arterial green relative to the start of signal 1's arterial green, s, in [0, cycle). */
  offsetS: number;
  /** Arterial green window, s (through greens plus protected lefts). */
  greenS: number;
  outboundGreen: GreenWindow;
  inboundGreen: GreenWindow;
  leadOut: boolean;
  leadIn: boolean;
}

export interface LinkTiming {
  from: string;
  to: string;
  distanceM: number;
  outboundTravelS: number;
  inboundTravelS: number;
  outboundSpeedMs: number;
  inboundSpeedMs: number;
}

export interface Band {
  /** Width, s. */
  widthS: number;
  /** When the band's first edge leaves its first signal (signal 1 outbound, signal n inbound), plan time s. */
  startS: number;
  /** Band ÷ cycle. */
  efficiency: number;
  /** Band ÷ smallest through green in that direction. */
  attainability: number;
}

export interface ProgressionPlan {
  method: "maxband" | "one_way";
  /** HiGHS model status for MAXBAND ("Optimal", "Time limit reached", ...); "not_solved" for one-way. */
  solverStatus: string;
  cycleS: number;
  signals: SignalTiming[];
  links: LinkTiming[];
  outbound: Band;
  inbound: Band;
  /** (b + b-bar) ÷ 2C, the usual single efficiency figure. */
  efficiency: number;
  /** MAXBAND objective b + k b-bar in cycles (one-way: the same expression of the achieved bands). */
  objectiveCycles: number;
  solveSeconds: number;
  /** Why a fallback was used, if one was. */
  note?: string;
}

export function positions(signals: readonly ArterialSignal[]): number[] {
  const out: number[] = [];
  let x = 0;
  signals.forEach((s, i) => {
    if (i > 0) x += s.distanceM;
    out.push(x);
  });
  return out;
}

export const mod = (x: number, m: number) => ((x % m) + m) % m;
