import { INTERVAL_MS, floorInterval } from "../interval/interval.ts";
import type { SegmentNetwork } from "../network/segment-network.ts";
import { CLASS_COUNT, VEHICLE_CLASSES } from "../../core/vehicle/vehicle-class.ts";
import type { PassageColumns } from "./passage-columns.ts";

/**
 * Travel times and space-mean speeds (TDCS M04A, M05A) from passages.
 *
 * A match is two consecutive passages of one vehicle (tag, or plate for plate-only vehicles) at the
 * two gantries of a road segment. Like TDCS M04A, a match belongs to the 5-minute interval in which
 * the vehicle passed the UPSTREAM gantry (entry time), so an interval is complete only once its
 * slowest vehicle has left the segment; the continuous job therefore recomputes a trailing window.
 *
 * Plausibility (why: a vehicle that stops at a service area, or leaves and re-enters the freeway
 * between two gantries, yields a "travel time" that says nothing about traffic):
 *  1. Hard bounds per match: reject travel times faster than maxSpeedKmh (180 km/h: a clock error,
 *     a cloned tag or a plate misread), slower than minSpeedKmh (5 km/h), or longer than maxTravelTimeS.
 *  2. Robust bound per interval and segment, over all classes together: m = median, s = 1.4826 x MAD.
 *     Reject travel times outside m +/- max(madK x s, relativeSlack x m, absoluteSlackS). Median and
 *     MAD ignore up to half of the sample being outliers, so stops cannot drag the reference, and the
 *     relative/absolute slack keeps small or very uniform samples (MAD = 0) from rejecting the normal
 *     spread between cars and trucks. Pooling classes gives small classes a sound reference.
 *  3. An interval with fewer than minRobustSample (5) matches whose travel times disagree (the
 *     largest above (1 + relativeSlack) x the smallest) is judged against the median of the
 *     segment's most recent interval with enough matches (within rollingIntervals, 30 min), with
 *     the slack only: with two vehicles, one stop would otherwise be half the sample. A small
 *     sample that agrees with itself (say, two vehicles both slowed by an incident) is kept.
 * What remains gives volume, median travel time and space-mean speed = length / mean travel time
 * (the harmonic mean of the individual speeds).
 */
export interface PlausibilityRule {
  maxSpeedKmh: number;
  minSpeedKmh: number;
  maxTravelTimeS: number;
  madK: number;
  relativeSlack: number;
  absoluteSlackS: number;
  /** Below this many matches an interval is judged against the recent median of its segment. */
  minRobustSample: number;
  /** How far back (intervals) that recent median may lie. */
  rollingIntervals: number;
}

export const DEFAULT_PLAUSIBILITY: PlausibilityRule = {
  maxSpeedKmh: 180,
  minSpeedKmh: 5,
  maxTravelTimeS: 3600,
  madK: 4,
  relativeSlack: 0.5,
  absoluteSlackS: 60,
  minRobustSample: 5,
  rollingIntervals: 6,
};

export interface SegmentStat {
  bucketMs: number;
  segment: number;
  vehicleClass: number;
  volume: number;
  rejected: number;
  medianTravelTimeS: number;
  spaceMeanSpeedKmh: number;
}

export interface MatchResult {
  stats: SegmentStat[];
  matches: number;
  rejected: number;
  reads: number;
}

export class TravelTimeMatcher {
  constructor(
    private readonly network: SegmentNetwork,
    private readonly rule: PlausibilityRule = DEFAULT_PLAUSIBILITY,
  ) {}

  /**
   * Matches passages whose upstream read lies in [fromMs, toMs) (both on interval boundaries). The
   * columns must hold every passage from fromMs on, up to toMs plus the longest travel time allowed.
   */
  compute(cols: PassageColumns, fromMs: number, toMs: number): MatchResult {
    const net = this.network;
    const rule = this.rule;
    const S = net.segmentCount;
    const nBuckets = Math.max(0, Math.ceil((toMs - floorInterval(fromMs)) / INTERVAL_MS));
    const base = floorInterval(fromMs);
    const order = cols.timeOrder();
    const n = cols.length;

    // Pass 1: consecutive reads per vehicle -> matches on segments, with the hard bounds.
    const lastGantry = new Int32Array(cols.vehicleCount).fill(-1);
    const lastTs = new Float64Array(cols.vehicleCount);
    let cap = 1024;
    let mKey = new Int32Array(cap);
    let mTt = new Float64Array(cap);
    let m = 0;
    let rejected = 0;
    const maxTt = rule.maxTravelTimeS;
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      const v = cols.vehicle[i]!;
      const g = cols.gantry[i]!;
      const t = cols.ts[i]!;
      const prev = lastGantry[v]!;
      if (prev >= 0 && g >= 0) {
        const seg = net.segmentBetween(prev, g);
        const entry = lastTs[v]!;
        const c = cols.cls[i]!;
        if (seg >= 0 && c >= 0 && entry >= fromMs && entry < toMs) {
          const tt = (t - entry) / 1000;
          const len = net.lengthKm[seg]!;
          if (tt < (len / rule.maxSpeedKmh) * 3600 || tt > (len / rule.minSpeedKmh) * 3600 || tt > maxTt) {
            rejected++;
          } else {
            if (m === cap) {
              cap *= 2;
              const k2 = new Int32Array(cap);
              k2.set(mKey);
              mKey = k2;
              const t2 = new Float64Array(cap);
              t2.set(mTt);
              mTt = t2;
            }
            const b = Math.floor((entry - base) / INTERVAL_MS);
            mKey[m] = (b * S + seg) * CLASS_COUNT + c;
            mTt[m] = tt;
            m++;
          }
        }
      }
      lastGantry[v] = g;
      lastTs[v] = t;
    }

    // Pass 2: counting sort by (bucket, segment, class) so each group is contiguous.
    const nKeys = nBuckets * S * CLASS_COUNT;
    const start = new Int32Array(nKeys + 1);
    for (let j = 0; j < m; j++) start[mKey[j]! + 1]!++;
    for (let j = 0; j < nKeys; j++) start[j + 1]! += start[j]!;
    const fill = start.slice(0, nKeys);
    const tt = new Float64Array(m);
    for (let j = 0; j < m; j++) tt[fill[mKey[j]!]!++] = mTt[j]!;

    // Pass 3: robust bound per (bucket, segment), then statistics per class.
    const stats: SegmentStat[] = [];
    const scratch = new Float64Array(m);
    // Per segment, the median of the last interval with a sample of at least minRobustSample.
    const refMedian = new Float64Array(S).fill(Number.NaN);
    const refBucket = new Int32Array(S).fill(-1);
    for (let b = 0; b < nBuckets; b++) {
      for (let s = 0; s < S; s++) {
        const g0 = (b * S + s) * CLASS_COUNT;
        const lo = start[g0]!;
        const hi = start[g0 + CLASS_COUNT]!;
        if (hi === lo) continue;
        const pooled = scratch.subarray(0, hi - lo);
        pooled.set(tt.subarray(lo, hi));
        pooled.sort();
        let med = median(pooled);
        // a small sample that agrees with itself (all within the relative slack) speaks for itself
        const consistent = pooled.length > 1 && pooled[pooled.length - 1]! <= (1 + rule.relativeSlack) * pooled[0]!;
        for (let j = 0; j < pooled.length; j++) pooled[j] = Math.abs(pooled[j]! - med);
        pooled.sort();
        let sigma = 1.4826 * median(pooled);
        if (pooled.length >= rule.minRobustSample) {
          refMedian[s] = med;
          refBucket[s] = b;
        } else if (!consistent && refBucket[s]! >= 0 && b - refBucket[s]! <= rule.rollingIntervals) {
          // too few vehicles to trust their own median: one stop among two would move it
          med = refMedian[s]!;
          sigma = 0;
        }
        const width = Math.max(rule.madK * sigma, rule.relativeSlack * med, rule.absoluteSlackS);
        const minOk = med - width;
        const maxOk = med + width;
        for (let c = 0; c < CLASS_COUNT; c++) {
          const clo = start[g0 + c]!;
          const chi = start[g0 + c + 1]!;
          if (chi === clo) continue;
          const kept = scratch.subarray(0, chi - clo);
          let nk = 0;
          let sum = 0;
          for (let j = clo; j < chi; j++) {
            const x = tt[j]!;
            if (x >= minOk && x <= maxOk) {
              kept[nk++] = x;
              sum += x;
            }
          }
          const groupRejected = chi - clo - nk;
          rejected += groupRejected;
          if (nk === 0) continue;
          const acc = kept.subarray(0, nk);
          acc.sort();
          stats.push({
            bucketMs: base + b * INTERVAL_MS,
            segment: s,
            vehicleClass: VEHICLE_CLASSES[c]!,
            volume: nk,
            rejected: groupRejected,
            medianTravelTimeS: median(acc),
            spaceMeanSpeedKmh: (net.lengthKm[s]! * 3600) / (sum / nk),
          });
        }
      }
    }
    return { stats, matches: m, rejected, reads: n };
  }
}

/** Median of a sorted array. */
export function median(sorted: Float64Array): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = n >> 1;
  return n & 1 ? sorted[h]! : (sorted[h - 1]! + sorted[h]!) / 2;
}
