import { INTERVAL_MS } from "../interval/interval.ts";
import type { SpeedGrid } from "./speed-grid.ts";

/**
 * PeMS bottleneck identification (Chen, Skabardonis, Varaiya 2004) on segment speeds.
 *
 * For a segment u and the segment d directly downstream of it, interval t is flagged when
 * speed(u) < upstreamMaxKmh and speed(d) - speed(u) > dropKmh: a queue in u that discharges into
 * free flow in d, so the bottleneck sits at the gantry between them. A bottleneck is confirmed
 * when it is flagged in at least minActive of window consecutive intervals (5 of 7).
 *
 * An episode is a run of flagged intervals of one segment where consecutive flags are at most
 * window - minActive unflagged intervals apart (a gap the 5-of-7 rule tolerates). Per episode:
 * start (first flag), end (after the last flag), the slowest speed in u, the extent upstream (the
 * longest run of contiguous segments slower than slowKmh ending at u), and the delay in vehicle-
 * hours, summed over the extent and the episode: volume x length x (1/v - 1/v_ref) where v < v_ref,
 * v_ref being the segment's free-flow speed (or referenceKmh when set).
 */
export interface BottleneckConfig {
  upstreamMaxKmh: number;
  dropKmh: number;
  window: number;
  minActive: number;
  /**
   * Fewer vehicles than this on u or d in an interval is no data: in the interval in progress a
   * live feed has only the first few vehicles out, too few to judge a speed drop.
   */
  minVolume: number;
  /** Slow enough to count as queue when measuring the extent upstream. */
  slowKmh: number;
  /** Reference speed for delay; 0 = each segment's free-flow speed. */
  referenceKmh: number;
  /** Intervals with data but without a flag after which an ongoing episode is over. */
  clearAfter: number;
  /**
   * Intervals after the last flag after which an episode is over even without data: the newest
   * intervals of a live feed have no speeds until their vehicles leave the segment, which must not
   * clear a hotspot, but a segment whose data stops for good must not stay open forever.
   */
  staleAfter: number;
  severity: { severeDelayVehH: number; moderateDelayVehH: number; severeSpeedKmh: number; moderateSpeedKmh: number };
}

export const DEFAULT_BOTTLENECK: BottleneckConfig = {
  upstreamMaxKmh: 64,
  dropKmh: 32,
  window: 7,
  minActive: 5,
  minVolume: 3,
  slowKmh: 64,
  referenceKmh: 0,
  clearAfter: 3,
  staleAfter: 12,
  severity: { severeDelayVehH: 300, moderateDelayVehH: 50, severeSpeedKmh: 20, moderateSpeedKmh: 40 },
};

export type Severity = "minor" | "moderate" | "severe";

export interface Episode {
  segment: number;
  downstream: number;
  startMs: number;
  /** End of the last flagged interval. */
  endMs: number;
  flagged: number;
  confirmed: boolean;
  /** Flagged recently enough (relative to the end of the data) that it may continue. */
  ongoing: boolean;
  minSpeedKmh: number;
  extentUpstreamKm: number;
  delayVehicleHours: number;
  severity: Severity;
}

export class BottleneckDetector {
  constructor(readonly config: BottleneckConfig = DEFAULT_BOTTLENECK) {}

  detect(grid: SpeedGrid): Episode[] {
    const cfg = this.config;
    const net = grid.network;
    const T = grid.intervals;
    const S = net.segmentCount;
    const { speed, volume } = grid.combine();
    const maxGap = cfg.window - cfg.minActive;
    const flags = new Uint8Array(T);
    const episodes: Episode[] = [];

    for (let u = 0; u < S; u++) {
      const d = net.downstream[u]!;
      if (d < 0) continue;
      const uo = u * T;
      const doff = d * T;
      let any = false;
      let lastKnown = -1;
      for (let t = 0; t < T; t++) {
        const enough = volume[uo + t]! >= cfg.minVolume && volume[doff + t]! >= cfg.minVolume;
        const vu = enough ? speed[uo + t]! : Number.NaN;
        const vd = enough ? speed[doff + t]! : Number.NaN;
        if (vu > 0 && vd > 0) lastKnown = t;
        const f = vu < cfg.upstreamMaxKmh && vd - vu > cfg.dropKmh ? 1 : 0; // NaN compares false: no data, no flag
        flags[t] = f;
        if (f) any = true;
      }
      if (!any) continue;

      let t = 0;
      while (t < T) {
        if (!flags[t]) {
          t++;
          continue;
        }
        // grow the episode while the next flag is within the tolerated gap
        const first = t;
        let last = t;
        let count = 0;
        while (t < T && t - last <= maxGap + 1) {
          if (flags[t]) {
            last = t;
            count++;
          }
          t++;
        }
        let confirmed = false;
        let inWindow = 0;
        for (let k = first; k <= last && !confirmed; k++) {
          inWindow += flags[k]!;
          if (k - cfg.window >= first) inWindow -= flags[k - cfg.window]!;
          if (inWindow >= cfg.minActive) confirmed = true;
        }
        let minSpeed = Number.POSITIVE_INFINITY;
        let delay = 0;
        let extent = 0;
        for (let k = first; k <= last; k++) {
          const vu = speed[uo + k]!;
          if (vu < minSpeed) minSpeed = vu;
          let s = u;
          let ext = 0;
          let guard = 0;
          while (s >= 0 && guard++ < S) {
            const v = speed[s * T + k]!;
            if (!(v < cfg.slowKmh)) break;
            const len = net.lengthKm[s]!;
            ext += len;
            const ref = cfg.referenceKmh > 0 ? cfg.referenceKmh : net.freeFlowKmh[s]!;
            if (v > 0 && v < ref) delay += volume[s * T + k]! * len * (1 / v - 1 / ref);
            s = net.upstream[s]!;
          }
          if (ext > extent) extent = ext;
        }
        const sev = cfg.severity;
        const severity: Severity =
          delay >= sev.severeDelayVehH || minSpeed < sev.severeSpeedKmh
            ? "severe"
            : delay >= sev.moderateDelayVehH || minSpeed < sev.moderateSpeedKmh
              ? "moderate"
              : "minor";
        episodes.push({
          segment: u,
          downstream: d,
          startMs: grid.startMs + first * INTERVAL_MS,
          endMs: grid.startMs + (last + 1) * INTERVAL_MS,
          flagged: count,
          confirmed,
          ongoing: lastKnown - last < cfg.clearAfter && T - 1 - last < cfg.staleAfter,
          minSpeedKmh: minSpeed,
          extentUpstreamKm: Math.round(extent * 10) / 10,
          delayVehicleHours: delay,
          severity,
        });
      }
    }
    return episodes;
  }
}

/** The detector settings from the operator's CONTROL_BOTTLENECK_* variables (core/config). */
export function bottleneckConfig(b: { speedKmh: number; dropKmh: number; window: number; minActive: number }): BottleneckConfig {
  return { ...DEFAULT_BOTTLENECK, upstreamMaxKmh: b.speedKmh, slowKmh: b.speedKmh, dropKmh: b.dropKmh, window: b.window, minActive: b.minActive };
}
