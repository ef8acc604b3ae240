import { TollwayError } from "../../core/errors/tollway-error.ts";
import { mod, positions, type Arterial, type ArterialSignal, type LinkTiming, type ProgressionPlan, type SignalTiming } from "./arterial.ts";
import type { HighsLoader } from "./highs.ts";
import { InProcessLpSolver, type LpSolver } from "./lp-solver.ts";
import { measureBands } from "./time-space.ts";

/**
 * MAXBAND (Little, Kelson, Gartner 1981, TRR 795) for one arterial, as a MILP in CPLEX LP format
 * solved by HiGHS. All variables are in cycles:
 *   z = 1/C, b / bb = outbound / inbound band, w_i = time from the end of outbound red to the band's
 *   first edge at signal i, wb_i = time from the inbound band's last edge to the start of inbound red,
 *   t_i / tb_i = travel times on link i (i -> i+1 / i+1 -> i), m_i = loop integers,
 *   dOut_i / dIn_i = 1 when the outbound / inbound protected left leads.
 *
 *   max  b + k bb
 *   s.t. (1-k) bb >= (1-k) k b     (vacuous for k = 1, as in the paper; `equalBands` adds bb = b)
 *        w_i >= tau_i z,  w_i + b <= 1 - r_i          (outbound band inside green, after queue clearance)
 *        wb_i + bb + taub_i z <= 1 - rb_i              (inbound band inside green, after queue clearance)
 *        (w_i + wb_i) - (w_{i+1} + wb_{i+1}) + (t_i + tb_i) + Delta_{i+1} - Delta_i - m_i
 *             = (r_{i+1} + rb_{i+1})/2 - (r_i + rb_i)/2                              (loop)
 *        Delta_i = [(2 dOut_i - 1) l_i - (2 dIn_i - 1) lb_i] / 2   (inbound minus outbound red centre)
 *        (d_i / vmax) z <= t_i <= (d_i / vmin) z                                      (speed range)
 *        -h d_i z <= (d_i / d_{i+1}) t_{i+1} - t_i <= h d_i z                         (speed change)
 * Without left turns (r = rb, Delta = 0) the loop row is exactly the 1981 one. With left turns the red
 * centres are half-sums, because our reds come from one arterial window (see arterial.ts); the lead/lag
 * terms are the paper's delta l terms. Queue clearance is written as a bound on w instead of shifting
 * the red, which is the same geometry.
 */

export interface MaxbandOptions {
  timeLimitS?: number;
  /** Relative MIP gap; tight by default because several optima are nearly equal. */
  mipGap?: number;
}

const fmt = (c: number) => {
  const s = Number(c.toPrecision(14)).toString();
  return s.includes("e") ? c.toFixed(14) : s;
};

type Term = [number, string];

function expr(terms: readonly Term[]): string {
  let out = "";
  for (const [c, v] of terms) {
    if (c === 0) continue;
    out += `${c < 0 ? " - " : out ? " + " : " "}${fmt(Math.abs(c))} ${v}`;
  }
  return out || " 0 z";
}

export function validateArterial(a: Arterial): void {
  const fail = (msg: string) => {
    throw new TollwayError("unprocessable", msg);
  };
  if (a.signals.length < 2) fail("an arterial needs at least two signals");
  if (!(a.cycleMinS > 0 && a.cycleMaxS >= a.cycleMinS)) fail("cycle range must satisfy 0 < min <= max");
  for (const [dir, s] of [
    ["outbound", a.outboundSpeed],
    ["inbound", a.inboundSpeed],
  ] as const) {
    if (!(s.minMs > 0 && s.maxMs >= s.minMs)) fail(`${dir} speed range must satisfy 0 < min <= max`);
  }
  if (!(a.bandRatio > 0)) fail("band ratio must be > 0");
  a.signals.forEach((s, i) => {
    if (i > 0 && !(s.distanceM > 0)) fail(`signal ${s.name}: distance from the previous signal must be > 0`);
    const l = s.leftOut ?? 0;
    const lb = s.leftIn ?? 0;
    if (!(s.green > 0 && s.green <= 1)) fail(`signal ${s.name}: green fraction must be in (0, 1]`);
    if (l < 0 || lb < 0 || l + lb >= s.green) fail(`signal ${s.name}: left-turn phases must be shorter than the arterial green`);
    if ((s.queueOutS ?? 0) < 0 || (s.queueInS ?? 0) < 0) fail(`signal ${s.name}: queue clearance must be >= 0`);
  });
}

interface SolvedVars {
  z: number;
  w: number[];
  t: number[];
  tb: number[];
  leadOut: boolean[];
  leadIn: boolean[];
}

/** Builds the plan (windows, offsets, links) from a cycle, signal start times and travel times. */
export function buildTiming(
  a: Arterial,
  cycleS: number,
  arterialStartS: number[],
  outTravelS: number[],
  inTravelS: number[],
  leadOut: boolean[],
  leadIn: boolean[],
) {
  const pos = positions(a.signals);
  const base = arterialStartS[0]!;
  const signals: SignalTiming[] = a.signals.map((s, i) => {
    const offsetS = mod(arterialStartS[i]! - base, cycleS);
    const l = (s.leftOut ?? 0) * cycleS;
    const lb = (s.leftIn ?? 0) * cycleS;
    const g = s.green * cycleS;
    return {
      name: s.name,
      positionM: pos[i]!,
      offsetS,
      greenS: g,
      // An inbound left stops outbound through traffic, at the start (lead) or end (lag) of the window.
      outboundGreen: { startS: offsetS + (leadIn[i] ? lb : 0), durationS: g - lb },
      inboundGreen: { startS: offsetS + (leadOut[i] ? l : 0), durationS: g - l },
      leadOut: leadOut[i]!,
      leadIn: leadIn[i]!,
    };
  });
  const links: LinkTiming[] = a.signals.slice(1).map((s, i) => ({
    from: a.signals[i]!.name,
    to: s.name,
    distanceM: s.distanceM,
    outboundTravelS: outTravelS[i]!,
    inboundTravelS: inTravelS[i]!,
    outboundSpeedMs: s.distanceM / outTravelS[i]!,
    inboundSpeedMs: s.distanceM / inTravelS[i]!,
  }));
  return { signals, links };
}

function finishPlan(
  a: Arterial,
  method: ProgressionPlan["method"],
  solverStatus: string,
  cycleS: number,
  timing: { signals: SignalTiming[]; links: LinkTiming[] },
  solveSeconds: number,
  reported?: { b: number; bb: number },
  note?: string,
): ProgressionPlan {
  const measured = measureBands(cycleS, timing.signals, timing.links);
  // MAXBAND reports its own bands (the geometry then confirms them in tests); one-way reports the measured ones.
  const outW = reported ? reported.b * cycleS : measured.outbound.widthS;
  const inW = reported ? reported.bb * cycleS : measured.inbound.widthS;
  const minOut = Math.min(...timing.signals.map((s) => s.outboundGreen.durationS));
  const minIn = Math.min(...timing.signals.map((s) => s.inboundGreen.durationS));
  return {
    method,
    solverStatus,
    cycleS,
    signals: timing.signals,
    links: timing.links,
    outbound: { widthS: outW, startS: measured.outbound.startS, efficiency: outW / cycleS, attainability: outW / minOut },
    inbound: { widthS: inW, startS: measured.inbound.startS, efficiency: inW / cycleS, attainability: inW / minIn },
    efficiency: (outW + inW) / (2 * cycleS),
    objectiveCycles: (outW + a.bandRatio * inW) / cycleS,
    solveSeconds,
    ...(note ? { note } : {}),
  };
}

/**
 * One-way progression, the baseline and fallback: outbound greens start when a vehicle at the design
 * speed (middle of the outbound range) arrives, offset = cumulative travel time mod cycle. The inbound
 * band is whatever the geometry leaves.
 */
export function oneWayProgression(a: Arterial, cycleS: number, note?: string): ProgressionPlan {
  validateArterial(a);
  const v = (a.outboundSpeed.minMs + a.outboundSpeed.maxMs) / 2;
  const vb = (a.inboundSpeed.minMs + a.inboundSpeed.maxMs) / 2;
  const out = a.signals.slice(1).map((s) => s.distanceM / v);
  const inn = a.signals.slice(1).map((s) => s.distanceM / vb);
  const leadOut = a.signals.map((s) => s.leadOut ?? true);
  const leadIn = a.signals.map((s) => s.leadIn ?? false);
  let arrival = 0;
  const starts = a.signals.map((s, i) => {
    if (i > 0) arrival += out[i - 1]!;
    // Outbound through green starts on arrival; the arterial window starts earlier by a leading inbound left.
    return arrival - (leadIn[i] ? (s.leftIn ?? 0) * cycleS : 0);
  });
  const timing = buildTiming(a, cycleS, starts, out, inn, leadOut, leadIn);
  return finishPlan(a, "one_way", "not_solved", cycleS, timing, 0, undefined, note);
}

export function maxbandLp(a: Arterial): string {
  validateArterial(a);
  const n = a.signals.length;
  const k = a.bandRatio;
  const rows: string[] = [];
  const bounds: string[] = [`  ${fmt(1 / a.cycleMaxS)} <= z <= ${fmt(1 / a.cycleMinS)}`];
  const generals: string[] = [];
  const binaries: string[] = [];
  const red = (s: ArterialSignal) => 1 - s.green + (s.leftIn ?? 0);
  const redIn = (s: ArterialSignal) => 1 - s.green + (s.leftOut ?? 0);

  if (a.equalBands) rows.push(` equal: b - bb = 0`);
  if (k !== 1)
    rows.push(
      ` ratio:${expr([
        [1 - k, "bb"],
        [-(1 - k) * k, "b"],
      ])} >= 0`,
    );

  a.signals.forEach((s, idx) => {
    const i = idx + 1;
    rows.push(` gout${i}: w${i} + b <= ${fmt(1 - red(s))}`);
    rows.push(
      ` gin${i}:${expr([
        [1, `wb${i}`],
        [1, "bb"],
        [s.queueInS ?? 0, "z"],
      ])} <= ${fmt(1 - redIn(s))}`,
    );
    if ((s.queueOutS ?? 0) > 0)
      rows.push(
        ` qout${i}:${expr([
          [1, `w${i}`],
          [-(s.queueOutS ?? 0), "z"],
        ])} >= 0`,
      );
    for (const [dir, lead, len] of [
      ["dOut", s.leadOut, s.leftOut ?? 0],
      ["dIn", s.leadIn, s.leftIn ?? 0],
    ] as const) {
      if (len > 0 && lead === undefined) binaries.push(`${dir}${i}`);
    }
  });

  // Delta_i as constant + terms (binary when the lead/lag is free).
  const delta = (s: ArterialSignal, i: number): { c: number; terms: Term[] } => {
    const l = s.leftOut ?? 0;
    const lb = s.leftIn ?? 0;
    const terms: Term[] = [];
    let c = (-l + lb) / 2;
    if (l > 0) {
      if (s.leadOut === undefined) terms.push([l, `dOut${i}`]);
      else if (s.leadOut) c += l;
    }
    if (lb > 0) {
      if (s.leadIn === undefined) terms.push([-lb, `dIn${i}`]);
      else if (s.leadIn) c -= lb;
    }
    return { c, terms };
  };

  for (let i = 1; i < n; i++) {
    const si = a.signals[i - 1]!;
    const sj = a.signals[i]!;
    const di = delta(si, i);
    const dj = delta(sj, i + 1);
    const terms: Term[] = [
      [1, `w${i}`],
      [1, `wb${i}`],
      [-1, `w${i + 1}`],
      [-1, `wb${i + 1}`],
      [1, `t${i}`],
      [1, `tb${i}`],
      ...dj.terms,
      ...di.terms.map(([c, v]) => [-c, v] as Term),
      [-1, `m${i}`],
    ];
    const rhs = (red(sj) + redIn(sj)) / 2 - (red(si) + redIn(si)) / 2 - dj.c + di.c;
    rows.push(` loop${i}:${expr(terms)} = ${fmt(rhs)}`);

    const d = sj.distanceM;
    rows.push(
      ` tminout${i}:${expr([
        [1, `t${i}`],
        [-d / a.outboundSpeed.maxMs, "z"],
      ])} >= 0`,
    );
    rows.push(
      ` tmaxout${i}:${expr([
        [1, `t${i}`],
        [-d / a.outboundSpeed.minMs, "z"],
      ])} <= 0`,
    );
    rows.push(
      ` tminin${i}:${expr([
        [1, `tb${i}`],
        [-d / a.inboundSpeed.maxMs, "z"],
      ])} >= 0`,
    );
    rows.push(
      ` tmaxin${i}:${expr([
        [1, `tb${i}`],
        [-d / a.inboundSpeed.minMs, "z"],
      ])} <= 0`,
    );
    // Loose bounds on m keep the branch-and-bound finite: t + tb is at most 2 d / vmin cycles.
    const mMax = Math.ceil((d / a.outboundSpeed.minMs + d / a.inboundSpeed.minMs) / a.cycleMinS) + 3;
    bounds.push(`  -3 <= m${i} <= ${mMax}`);
    generals.push(`m${i}`);

    if (i + 1 < n) {
      const dn = a.signals[i + 1]!.distanceM;
      for (const [name, h, t] of [
        ["out", a.speedChangeOut, "t"],
        ["in", a.speedChangeIn, "tb"],
      ] as const) {
        if (h === undefined) continue;
        const change: Term[] = [
          [d / dn, `${t}${i + 1}`],
          [-1, `${t}${i}`],
        ];
        rows.push(` chg${name}lo${i}:${expr([...change, [h * d, "z"]])} >= 0`);
        rows.push(` chg${name}hi${i}:${expr([...change, [-h * d, "z"]])} <= 0`);
      }
    }
  }

  return [
    "Maximize",
    ` obj: b + ${fmt(k)} bb`,
    "Subject To",
    ...rows,
    "Bounds",
    ...bounds,
    ...(generals.length ? ["Generals", `  ${generals.join(" ")}`] : []),
    ...(binaries.length ? ["Binaries", `  ${binaries.join(" ")}`] : []),
    "End",
  ].join("\n");
}

export class MaxbandSolver {
  private readonly lp: LpSolver;

  /** Solves in process when given a HiGHS loader; servers pass a WorkerLpSolver. */
  constructor(
    solver: LpSolver | HighsLoader,
    private readonly options: MaxbandOptions = {},
  ) {
    this.lp = typeof solver === "function" ? new InProcessLpSolver(solver) : solver;
  }

  /** Solves MAXBAND; when no band solution exists, returns the one-way progression with the reason in `note`. */
  async solve(a: Arterial): Promise<ProgressionPlan> {
    const model = maxbandLp(a);
    const started = performance.now();
    const res = await this.lp.solve(model, {
      mip_rel_gap: this.options.mipGap ?? 1e-6,
      time_limit: this.options.timeLimitS ?? 30,
    });
    const solveSeconds = (performance.now() - started) / 1000;
    const col = (name: string): number => res.Columns[name]?.Primal ?? 0;
    // A limit may stop the solve with an incumbent (usable) or without one (no primal values).
    const hasSolution =
      res.Status === "Optimal" || ((res.Status === "Time limit reached" || res.Status === "Iteration limit reached") && res.Columns["z"]?.Primal !== undefined);
    if (!hasSolution || !(col("z") > 0)) {
      const cycle = a.cycleMinS;
      const plan = oneWayProgression(a, cycle, `MAXBAND gave no solution (${res.Status}); one-way progression at the minimum cycle`);
      return { ...plan, solverStatus: res.Status, solveSeconds };
    }
    const n = a.signals.length;
    const z = col("z");
    const cycleS = 1 / z;
    const v: SolvedVars = {
      z,
      w: a.signals.map((_, i) => col(`w${i + 1}`)),
      t: a.signals.slice(1).map((_, i) => col(`t${i + 1}`)),
      tb: a.signals.slice(1).map((_, i) => col(`tb${i + 1}`)),
      leadOut: a.signals.map((s, i) => s.leadOut ?? ((s.leftOut ?? 0) > 0 ? col(`dOut${i + 1}`) > 0.5 : true)),
      leadIn: a.signals.map((s, i) => s.leadIn ?? ((s.leftIn ?? 0) > 0 ? col(`dIn${i + 1}`) > 0.5 : false)),
    };
    // Outbound through green starts: G_{i+1} = G_i + w_i - w_{i+1} + t_i (cycles); the arterial window
    // starts earlier by a leading inbound left.
    const starts: number[] = [];
    let G = 0;
    for (let i = 0; i < n; i++) {
      if (i > 0) G += v.w[i - 1]! - v.w[i]! + v.t[i - 1]!;
      const s = a.signals[i]!;
      starts.push((G - (v.leadIn[i] ? (s.leftIn ?? 0) : 0)) * cycleS);
    }
    const timing = buildTiming(
      a,
      cycleS,
      starts,
      v.t.map((x) => x * cycleS),
      v.tb.map((x) => x * cycleS),
      v.leadOut,
      v.leadIn,
    );
    return finishPlan(a, "maxband", res.Status, cycleS, timing, solveSeconds, { b: col("b"), bb: col("bb") });
  }
}
