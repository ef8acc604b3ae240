import type { SegmentNetwork } from "../network/segment-network.ts";
import { DEFAULT_INCIDENT_CONFIG, type IncidentConfig } from "./incident-config.ts";
import type { TravelTimeProfile } from "./travel-time-profile.ts";

export type IncidentStatus = "raised" | "confirmed" | "cleared";
export type IncidentSeverity = "minor" | "moderate" | "severe";

/** An incident as the detector sees it; `key` is stable for its life (the job maps it to a row). */
export interface DetectedIncident {
  key: number;
  /** The most downstream alarmed segment: where the incident is. */
  head: number;
  /** Every segment that was alarmed as part of it (the head and its queue upstream). */
  segments: number[];
  /** When each of `segments` was alarmed (ms). */
  segmentJoinedAtMs: number[];
  status: IncidentStatus;
  severity: IncidentSeverity;
  /** Entry time of the first overdue vehicle at the head: the estimated start. */
  startedAtMs: number;
  raisedAtMs: number;
  confirmedAtMs: number | null;
  clearedAtMs: number | null;
  /** Largest run of overdue vehicles seen at the head. */
  overdueVehicles: number;
  /** Longest time an overdue vehicle had been out at any evaluation (s). */
  longestOverdueS: number;
  /** Expected travel time at the head when raised (s). */
  expectedTravelTimeS: number;
  /** Upper bound of the speed at the head: length / longest time out (km/h). */
  speedBoundKmh: number;
  extentUpstreamKm: number;
}

/** Entries at a segment's upstream gantry, oldest first; indexes are absolute (base + local). */
class SegmentLog {
  entry = new Float64Array(256);
  due = new Float64Array(256);
  arrive = new Float64Array(256);
  /** The profile's expected time of the entry (s), before today's ratio. */
  expected = new Float64Array(256);
  length = 0;
  base = 0;

  push(entryMs: number, dueMs: number, expectedS: number): number {
    if (this.length === this.entry.length) this.grow();
    const i = this.length++;
    this.entry[i] = entryMs;
    this.due[i] = dueMs;
    this.expected[i] = expectedS;
    this.arrive[i] = Number.NaN;
    return this.base + i;
  }

  /** Drops entries before cutoffMs. */
  prune(cutoffMs: number): void {
    let k = 0;
    while (k < this.length && this.entry[k]! < cutoffMs) k++;
    if (k === 0) return;
    this.entry.copyWithin(0, k, this.length);
    this.due.copyWithin(0, k, this.length);
    this.arrive.copyWithin(0, k, this.length);
    this.expected.copyWithin(0, k, this.length);
    this.length -= k;
    this.base += k;
  }

  private grow(): void {
    const cap = this.entry.length * 2;
    const widen = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.entry = widen(this.entry);
    this.due = widen(this.due);
    this.arrive = widen(this.arrive);
    this.expected = widen(this.expected);
  }
}

interface VehicleState {
  gantry: number;
  ts: number;
  /** The segment whose log holds this vehicle's entry at `gantry`, or -1. */
  seg: number;
  abs: number;
}

interface SegmentAlarm {
  incident: DetectedIncident;
  oldestMs: number;
}

/** Base share of overdue entries assumed before a segment has history (prior weight 20 entries). */
const PRIOR_OVERDUE = 0.3;
const PRIOR_WEIGHT = 20;
/** Entries per hour assumed before a segment has history: a busy segment (a long run needed). */
const PRIOR_ENTRIES_PER_HOUR = 3600;
const REFERENCE_SAMPLE = 400;
const RATIO_MIN = 0.8;
const RATIO_MAX = 3;
const REFRESH_MS = 300_000;

/**
 * Incident detection from tag reads (control/incidents/README.md). Feed it passages in time order
 * with `observe`, call `evaluate(now)` every period; it returns the incidents that changed.
 *
 * Per segment A -> B: a vehicle read at A is overdue when it is not read at B by its due time,
 * entry + expected x overdueFactor + overdueSlackS, the expected time being the time-of-day median
 * of its class scaled by today's ratio to it. Vehicles leaving the freeway between A and B are
 * overdue too, so a segment's usual share of overdue vehicles p0 is measured, and a run of
 * consecutive overdue vehicles (no on-time arrival among them) must be long enough that such runs
 * from exits alone come less often than runFalseAlarmsPerSegmentHour; and the deviation test: the
 * oldest of them has been out deviationFactor x the car median of the slot it entered in. An alarm
 * clears when clearOnTime vehicles arrive on time after the run. Alarmed segments just upstream of an incident are its queue.
 */
export class IncidentDetector {
  readonly config: IncidentConfig;
  private readonly logs: SegmentLog[];
  private readonly outOf: Int32Array;
  private readonly vehicles = new Map<string, VehicleState>();
  /** Time of the newest read at each gantry. */
  private readonly lastReadAt: Float64Array;
  private readonly p0: Float64Array;
  /** Entries per hour at the segment's upstream gantry over the reference window. */
  private readonly entriesPerHour: Float64Array;
  private readonly ratio: Float64Array;
  private readonly refreshedAt: Float64Array;
  private readonly alarms: (SegmentAlarm | null)[];
  /** The incident a segment last belonged to, for queueHoldS after it cleared. */
  private readonly lastIncident: (DetectedIncident | null)[];
  private readonly open = new Set<DetectedIncident>();
  private nextKey = 1;
  private prunedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly network: SegmentNetwork,
    private readonly profile: TravelTimeProfile,
    config: Partial<IncidentConfig> = {},
  ) {
    this.config = { ...DEFAULT_INCIDENT_CONFIG, ...config };
    const n = network.segmentCount;
    this.logs = Array.from({ length: n }, () => new SegmentLog());
    this.outOf = new Int32Array(network.gantryCount).fill(-1);
    this.lastReadAt = new Float64Array(network.gantryCount).fill(Number.NEGATIVE_INFINITY);
    for (let s = 0; s < n; s++) this.outOf[network.segFrom[s]!] = s;
    this.p0 = new Float64Array(n).fill(PRIOR_OVERDUE);
    this.entriesPerHour = new Float64Array(n).fill(PRIOR_ENTRIES_PER_HOUR);
    this.ratio = new Float64Array(n).fill(1);
    this.refreshedAt = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
    this.alarms = new Array(n).fill(null);
    this.lastIncident = new Array(n).fill(null);
  }

  /** One passage (the first read of a vehicle at a gantry), in time order. */
  observe(tsMs: number, gantry: number, vehicle: string, cls: number): void {
    if (gantry < 0) return;
    if (tsMs > this.lastReadAt[gantry]!) this.lastReadAt[gantry] = tsMs;
    let v = this.vehicles.get(vehicle);
    if (v) {
      if (tsMs <= v.ts) return;
      if (v.seg >= 0) {
        const log = this.logs[v.seg]!;
        const i = v.abs - log.base;
        if (i >= 0 && i < log.length && Number.isNaN(log.arrive[i]!)) {
          if (this.network.segTo[v.seg] === gantry) log.arrive[i] = tsMs;
          else {
            // Read at the gantry after B without a read at B: it passed B (B missed it). In time for
            // both segments, it passed B on time; a gantry that stops reading is not an incident.
            const d = this.network.downstream[v.seg]!;
            if (d >= 0 && this.network.segTo[d] === gantry) {
              const allowedD = this.allowedS(d, this.profile.medianS(d, this.profile.slotOf(log.due[i]!), cls));
              if (tsMs <= log.due[i]! + allowedD * 1000) log.arrive[i] = log.due[i]!;
            }
          }
        }
      }
    } else {
      v = { gantry, ts: tsMs, seg: -1, abs: -1 };
      this.vehicles.set(vehicle, v);
    }
    v.gantry = gantry;
    v.ts = tsMs;
    const s = this.outOf[gantry]!;
    v.seg = s;
    if (s >= 0) {
      const expected = this.profile.medianS(s, this.profile.slotOf(tsMs), cls);
      v.abs = this.logs[s]!.push(tsMs, tsMs + this.allowedS(s, expected) * 1000, expected);
    }
  }

  /** The time a vehicle expected to take expectedS (the profile's median) may take on s before it is overdue (s). */
  allowedS(s: number, expectedS: number): number {
    return expectedS * this.ratio[s]! * this.config.overdueFactor + this.config.overdueSlackS;
  }

  /** Runs the tests on every segment at nowMs; returns the incidents raised, changed or cleared. */
  evaluate(nowMs: number): DetectedIncident[] {
    const c = this.config;
    const changed = new Set<DetectedIncident>();
    if (nowMs - this.prunedAt >= REFRESH_MS) this.prune(nowMs);
    for (let s = 0; s < this.logs.length; s++) {
      const log = this.logs[s]!;
      const alarm = this.alarms[s];
      const tolerance = alarm ? c.clearOnTime : 1;
      let onTime = 0;
      let onTimeNewer = 0;
      let run = 0;
      let oldest = Number.NaN;
      let oldestDue = Number.NaN;
      let i = log.length - 1;
      for (; i >= 0; i--) {
        const a = log.arrive[i]!;
        const due = log.due[i]!;
        if (a <= due) {
          onTime++;
          if (run === 0) onTimeNewer++;
          if (onTime >= tolerance) break;
        } else if (nowMs >= due) {
          run++;
          oldest = log.entry[i]!;
          oldestDue = due;
        }
      }
      if (alarm) {
        if (onTimeNewer >= c.clearOnTime || run === 0) this.clearSegment(s, nowMs, changed);
        else this.updateSegment(s, alarm, run, oldest, nowMs, changed);
        continue;
      }
      if (run < c.minRun && nowMs - this.refreshedAt[s]! >= REFRESH_MS) this.refresh(s, Math.max(i, 0), nowMs);
      if (run < this.requiredRun(s)) continue;
      // B has read nothing for a long while before the run: a gantry that is not fed, not an incident.
      const lastAtB = this.lastReadAt[this.network.segTo[s]!]!;
      if (lastAtB < oldest - c.referenceWindowS * 1000) continue;
      // B silent since the first overdue vehicle was due: B stopped reading, or nothing gets past.
      // Wait until that vehicle would have been read at the gantry after B (then it passed B unread).
      const d = this.network.downstream[s]!;
      if (lastAtB < oldestDue && d >= 0) {
        const waitS = this.allowedS(d, this.profile.medianS(d, this.profile.slotOf(oldestDue), 0));
        if (nowMs < oldestDue + waitS * 1000) continue;
      }
      // The car median of the slot the oldest vehicle entered in: what it was expected to take then
      // (the slot of now would move the bar while the vehicle is out, as congestion builds or eases).
      const expectedS = this.profile.medianS(s, this.profile.slotOf(oldest), 0) * this.ratio[s]!;
      if ((nowMs - oldest) / 1000 < c.deviationFactor * expectedS) continue;
      this.raiseSegment(s, run, oldest, expectedS, nowMs, changed);
    }
    for (const inc of this.open) {
      if (inc.status === "raised" && nowMs - inc.raisedAtMs >= c.confirmAfterS * 1000) {
        inc.status = "confirmed";
        inc.confirmedAtMs = nowMs;
        changed.add(inc);
      }
    }
    return [...changed];
  }

  /** Incidents not yet cleared. */
  openIncidents(): DetectedIncident[] {
    return [...this.open];
  }

  /** What the tests on segment s currently judge by. */
  segmentState(s: number): { overdueShare: number; entriesPerHour: number; ratio: number; requiredRun: number; alarmed: boolean } {
    return {
      overdueShare: this.p0[s]!,
      entriesPerHour: this.entriesPerHour[s]!,
      ratio: this.ratio[s]!,
      requiredRun: this.requiredRun(s),
      alarmed: this.alarms[s] !== null,
    };
  }

  /**
   * Run length needed on s: the shortest run n such that runs from exits alone (a chance of p0^n per
   * entering vehicle) come less often than the limit per segment-hour at the segment's entries per
   * hour, so a quiet segment (night) needs fewer vehicles than a busy one for the same false-alarm
   * rate; Infinity (no test) where even maxRun would not do (most vehicles leave between A and B).
   */
  requiredRun(s: number): number {
    const c = this.config;
    const need = Math.ceil(Math.log(c.runFalseAlarmsPerSegmentHour / this.entriesPerHour[s]!) / Math.log(this.p0[s]!));
    return need > c.maxRun ? Number.POSITIVE_INFINITY : Math.max(c.minRun, need);
  }

  /** The base overdue share, entries per hour and today's ratio to the profile, from entries before index `from`. */
  private refresh(s: number, from: number, nowMs: number): void {
    const log = this.logs[s]!;
    const cutoff = log.entry[from]! - this.config.referenceWindowS * 1000;
    if (log.length > 0) {
      // Entries are in time order: the first at or after the cutoff by bisection.
      let lo = 0;
      let hi = from;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (log.entry[mid]! < cutoff) lo = mid + 1;
        else hi = mid;
      }
      // A log that does not reach back to the cutoff (the detector just started) counts over what it holds.
      const spanMs = lo > 0 ? this.config.referenceWindowS * 1000 : Math.max(60_000, log.entry[from]! - log.entry[0]!);
      this.entriesPerHour[s] = ((from - lo + 1) * 3600_000) / spanMs;
    }
    let total = 0;
    let overdue = 0;
    const ratios: number[] = [];
    for (let i = from; i >= 0 && total < REFERENCE_SAMPLE && log.entry[i]! >= cutoff; i--) {
      const due = log.due[i]!;
      if (due > nowMs) continue;
      total++;
      const a = log.arrive[i]!;
      if (!(a <= due)) overdue++;
      if (a > 0) ratios.push((a - log.entry[i]!) / 1000 / log.expected[i]!);
    }
    this.p0[s] = (overdue + PRIOR_OVERDUE * PRIOR_WEIGHT) / (total + PRIOR_WEIGHT);
    if (ratios.length >= 10) {
      ratios.sort((a, b) => a - b);
      this.ratio[s] = Math.min(RATIO_MAX, Math.max(RATIO_MIN, ratios[ratios.length >> 1]!));
    }
    this.refreshedAt[s] = nowMs;
  }

  private raiseSegment(s: number, run: number, oldestMs: number, expectedS: number, nowMs: number, changed: Set<DetectedIncident>): void {
    const c = this.config;
    const net = this.network;
    // Is s the queue of an incident downstream, or the new head of one upstream?
    let inc: DetectedIncident | null = null;
    for (let d = net.downstream[s]!, k = 0; d >= 0 && k < c.queueSegments && !inc; d = net.downstream[d]!, k++) {
      const last = this.lastIncident[d];
      if (last && (last.clearedAtMs === null || nowMs - last.clearedAtMs <= c.queueHoldS * 1000)) inc = last;
    }
    if (!inc) {
      for (let u = net.upstream[s]!, k = 0; u >= 0 && k < c.queueSegments && !inc; u = net.upstream[u]!, k++) {
        const last = this.lastIncident[u];
        if (last && last.clearedAtMs === null) {
          inc = last;
          inc.head = s;
          inc.startedAtMs = oldestMs;
          inc.expectedTravelTimeS = expectedS;
        }
      }
    }
    if (inc) {
      if (inc.clearedAtMs !== null) {
        inc.clearedAtMs = null;
        inc.status = inc.confirmedAtMs === null ? "raised" : "confirmed";
        this.open.add(inc);
      }
      if (!inc.segments.includes(s)) {
        inc.segments.push(s);
        inc.segmentJoinedAtMs.push(nowMs);
      }
    } else {
      inc = {
        key: this.nextKey++,
        head: s,
        segments: [s],
        segmentJoinedAtMs: [nowMs],
        status: "raised",
        severity: "minor",
        startedAtMs: oldestMs,
        raisedAtMs: nowMs,
        confirmedAtMs: null,
        clearedAtMs: null,
        overdueVehicles: 0,
        longestOverdueS: 0,
        expectedTravelTimeS: expectedS,
        speedBoundKmh: Number.POSITIVE_INFINITY,
        extentUpstreamKm: 0,
      };
      this.open.add(inc);
    }
    const alarm = { incident: inc, oldestMs };
    this.alarms[s] = alarm;
    this.lastIncident[s] = inc;
    this.updateSegment(s, alarm, run, oldestMs, nowMs, changed);
  }

  private updateSegment(s: number, alarm: SegmentAlarm, run: number, oldestMs: number, nowMs: number, changed: Set<DetectedIncident>): void {
    const inc = alarm.incident;
    alarm.oldestMs = Math.min(alarm.oldestMs, oldestMs);
    const outS = (nowMs - alarm.oldestMs) / 1000;
    const before = `${inc.overdueVehicles}/${inc.severity}/${inc.segments.length}`;
    if (s === inc.head) {
      inc.overdueVehicles = Math.max(inc.overdueVehicles, run);
      inc.longestOverdueS = Math.max(inc.longestOverdueS, outS);
      inc.speedBoundKmh = Math.min(inc.speedBoundKmh, (this.network.lengthKm[s]! / outS) * 3600);
      const c = this.config;
      const sev: IncidentSeverity = inc.speedBoundKmh < c.severeBelowKmh ? "severe" : inc.speedBoundKmh < c.moderateBelowKmh ? "moderate" : "minor";
      if (rank(sev) > rank(inc.severity)) inc.severity = sev;
    }
    inc.extentUpstreamKm = this.extentKm(inc);
    if (`${inc.overdueVehicles}/${inc.severity}/${inc.segments.length}` !== before || inc.raisedAtMs === nowMs) changed.add(inc);
  }

  private clearSegment(s: number, nowMs: number, changed: Set<DetectedIncident>): void {
    const inc = this.alarms[s]!.incident;
    this.alarms[s] = null;
    for (const seg of inc.segments) if (this.alarms[seg]?.incident === inc) return;
    inc.status = "cleared";
    inc.clearedAtMs = nowMs;
    this.open.delete(inc);
    changed.add(inc);
  }

  /** Length of the alarmed segments upstream of the head, contiguous or not. */
  private extentKm(inc: DetectedIncident): number {
    let km = 0;
    for (const seg of inc.segments) if (seg !== inc.head) km += this.network.lengthKm[seg]!;
    return Math.round(km * 10) / 10;
  }

  private prune(nowMs: number): void {
    const cutoff = nowMs - this.config.horizonS * 1000;
    for (const log of this.logs) log.prune(cutoff);
    for (const [k, v] of this.vehicles) if (v.ts < cutoff) this.vehicles.delete(k);
    this.prunedAt = nowMs;
  }
}

const rank = (s: IncidentSeverity) => (s === "severe" ? 2 : s === "moderate" ? 1 : 0);
