import { mod, type GreenWindow, type LinkTiming, type SignalTiming } from "./arterial.ts";

/**
 * Time-space geometry of a progression plan: the widest band that passes every green in one
 * direction (computed from the windows, not from any solver variable), and the rows a Grafana panel
 * draws as a time-space diagram.
 */

const EPS = 1e-7;

/**
 * The widest band through periodic green windows. `arrivalS[i]` is when a vehicle leaving the first
 * signal at time 0 reaches signal i (same order as `windows`). Returns the width and the time the band's
 * first edge leaves the first signal. Exact: an optimal band starts where some shifted window starts.
 */
export function widestBand(cycleS: number, windows: readonly GreenWindow[], arrivalS: readonly number[]): { widthS: number; startS: number } {
  const shifted = windows.map((w, i) => ({ a: mod(w.startS - arrivalS[i]!, cycleS), g: Math.min(w.durationS, cycleS) }));
  let best = { widthS: 0, startS: shifted[0] ? shifted[0].a : 0 };
  for (const cand of shifted) {
    const x = cand.a;
    let width = Infinity;
    for (const s of shifted) {
      let d = mod(x - s.a, cycleS);
      if (d > cycleS - EPS) d = 0;
      width = Math.min(width, d <= s.g + EPS ? Math.max(0, s.g - d) : 0);
      if (width <= 0) break;
    }
    if (width > best.widthS) best = { widthS: width, startS: x };
  }
  return best;
}

export function cumulative(values: readonly number[]): number[] {
  const out = [0];
  for (const v of values) out.push(out[out.length - 1]! + v);
  return out;
}

/** Outbound and inbound bands of a timing, measured on the green windows. */
export function measureBands(cycleS: number, signals: readonly SignalTiming[], links: readonly LinkTiming[]) {
  const outArrival = cumulative(links.map((l) => l.outboundTravelS));
  const outbound = widestBand(
    cycleS,
    signals.map((s) => s.outboundGreen),
    outArrival,
  );
  // Inbound runs from the last signal back to the first.
  const inLinks = [...links].reverse();
  const inArrival = cumulative(inLinks.map((l) => l.inboundTravelS));
  const inbound = widestBand(
    cycleS,
    [...signals].reverse().map((s) => s.inboundGreen),
    inArrival,
  );
  return { outbound, inbound, outArrival, inArrival };
}

/**
 * One row of a time-space diagram: a segment from (fromS, fromM) to (toS, toM), time on x and
 * position along the arterial on y. Green and red windows are horizontal (fromM = toM) at a signal;
 * band edges are slanted between consecutive signals. Rows cover two cycles of plan time [0, 2C);
 * band edges of bands that start in the first cycle may run past 2C.
 */
export interface TimeSpaceRow {
  kind: "green" | "red" | "band_lower" | "band_upper";
  direction: "outbound" | "inbound";
  /** Signal name for windows, "from→to" for band edges. */
  label: string;
  /** Signal sequence (1-based) for windows; the link's first signal in travel order for band edges. */
  seq: number;
  fromS: number;
  toS: number;
  fromM: number;
  toM: number;
}

function windowRows(cycleS: number, w: GreenWindow, direction: TimeSpaceRow["direction"], s: SignalTiming, seq: number): TimeSpaceRow[] {
  const rows: TimeSpaceRow[] = [];
  const horizon = 2 * cycleS;
  const start = mod(w.startS, cycleS);
  // Walk from one cycle earlier so a green that wraps into [0, 2C) is drawn.
  for (let k = -1; k <= 2; k++) {
    const g0 = start + k * cycleS;
    const g1 = g0 + w.durationS;
    const r1 = g0 + cycleS;
    for (const [kind, a, b] of [
      ["green", g0, g1],
      ["red", g1, r1],
    ] as const) {
      const from = Math.max(0, a);
      const to = Math.min(horizon, b);
      if (to - from > EPS) rows.push({ kind, direction, label: s.name, seq, fromS: from, toS: to, fromM: s.positionM, toM: s.positionM });
    }
  }
  return rows;
}

export function timeSpaceRows(cycleS: number, signals: readonly SignalTiming[], links: readonly LinkTiming[]): TimeSpaceRow[] {
  const rows: TimeSpaceRow[] = [];
  signals.forEach((s, i) => {
    rows.push(...windowRows(cycleS, s.outboundGreen, "outbound", s, i + 1));
    rows.push(...windowRows(cycleS, s.inboundGreen, "inbound", s, i + 1));
  });
  const { outbound, inbound, outArrival, inArrival } = measureBands(cycleS, signals, links);
  const n = signals.length;
  const edges = (
    direction: TimeSpaceRow["direction"],
    band: { widthS: number; startS: number },
    arrival: number[],
    order: SignalTiming[],
    seqOf: (k: number) => number,
  ) => {
    if (band.widthS <= EPS) return;
    for (const k of [0, 1]) {
      const t0 = band.startS + k * cycleS;
      for (let j = 0; j + 1 < order.length; j++) {
        const a = order[j]!;
        const b = order[j + 1]!;
        for (const [kind, shift] of [
          ["band_lower", 0],
          ["band_upper", band.widthS],
        ] as const) {
          rows.push({
            kind,
            direction,
            label: `${a.name}→${b.name}`,
            seq: seqOf(j),
            fromS: t0 + arrival[j]! + shift,
            toS: t0 + arrival[j + 1]! + shift,
            fromM: a.positionM,
            toM: b.positionM,
          });
        }
      }
    }
  };
  edges("outbound", outbound, outArrival, [...signals], (j) => j + 1);
  edges("inbound", inbound, inArrival, [...signals].reverse(), (j) => n - j);
  return rows;
}
