/**
 * bun run bench:control: the control module's two hot algorithms on the real network, in memory
 * (database I/O is separate and not measured here).
 *  - travel-time matching: synthetic vehicles drive 1-8 consecutive segments of the 327-segment
 *    network over 3 hours (5 % stop at a service area); reads are interned into columns and
 *    matched into per-interval medians and space-mean speeds. Rate = reads / second, interning of
 *    the tag/plate strings included (it is most of the time).
 *  - hotspot detection over a full network day: 327 segments x 288 intervals x 5 classes (every
 *    segment between the 339 gantries), with congestion patches; target < 1 s.
 *  - incident detection (control/incidents) over the same reads: the detector is fed every read in
 *    time order and evaluated every 30 s on all 329 segments; reported per 5-min update (the reads
 *    of 5 minutes plus its ten evaluations) and per evaluation.
 * Options: --reads N (default 1 000 000), --runs N (default 3; the median run is reported).
 * Progress on stderr; the last stdout line is one JSON object.
 */
import { deriveSegments, loadGantries } from "../core/seed/network-data.ts";
import { BottleneckDetector } from "../control/hotspots/bottleneck-detector.ts";
import { SpeedGrid } from "../control/hotspots/speed-grid.ts";
import { IncidentDetector } from "../control/incidents/incident-detector.ts";
import { TravelTimeProfile } from "../control/incidents/travel-time-profile.ts";
import { SegmentNetwork } from "../control/network/segment-network.ts";
import { PassageColumns } from "../control/traveltime/passage-columns.ts";
import { TravelTimeMatcher } from "../control/traveltime/travel-time-matcher.ts";
import { VEHICLE_CLASSES } from "../core/vehicle/vehicle-class.ts";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const targetReads = arg("reads", 1_000_000);
const runs = arg("runs", 3);

function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const gantries = loadGantries();
const segments = deriveSegments(gantries).map((s) => ({ ...s, freeFlowKmh: 100 }));
const net = new SegmentNetwork(gantries, segments);
const T0 = Date.parse("2026-11-26T07:00:00+08:00");
const HOURS = 3;

// Synthetic reads: (ts, gantry, vehicle key, class), sorted by time like the database returns them.
process.stderr.write(`generating ${targetReads} reads...\n`);
const rnd = prng(42);
const reads: { t: number; g: string; v: string; c: number }[] = [];
for (let n = 0; reads.length < targetReads; n++) {
  let s = Math.floor(rnd() * net.segmentCount);
  let t = T0 + rnd() * HOURS * 3600_000;
  const key = n % 17 === 0 ? `plate:P${n}` : `E2801160${n.toString(16).padStart(16, "0")}`;
  const c = VEHICLE_CLASSES[Math.floor(rnd() * rnd() * 5)]!;
  const hops = 1 + Math.floor(rnd() * 8);
  reads.push({ t, g: net.segments[s]!.fromGantry, v: key, c });
  for (let h = 0; h < hops && s >= 0; h++) {
    const speed = 60 + rnd() * 50;
    t += (net.lengthKm[s]! / speed) * 3600_000 + (rnd() < 0.05 ? 20 * 60_000 : 0);
    reads.push({ t, g: net.segments[s]!.toGantry, v: key, c });
    s = net.downstream[s]!;
  }
}
reads.sort((a, b) => a.t - b.t);
// As the database hands them over: parallel columns in time order.
const inTs = Float64Array.from(reads, (x) => x.t);
const inGantry = reads.map((x) => x.g);
const inKey = reads.map((x) => x.v);
const inClass = Int16Array.from(reads, (x) => x.c);
const inGantryIndex = Int32Array.from(reads, (x) => net.gantry(x.g));
const readCount = reads.length;
reads.length = 0;

const matcher = new TravelTimeMatcher(net);
const matchTimes: number[] = [];
const internTimes: number[] = [];
let result = { stats: 0, matches: 0, rejected: 0 };
for (let r = 0; r < runs; r++) {
  const started = performance.now();
  const cols = new PassageColumns(net, readCount);
  for (let i = 0; i < readCount; i++) cols.push(inTs[i]!, inGantry[i]!, inKey[i]!, inClass[i]!);
  const pushed = performance.now();
  internTimes.push((pushed - started) / 1000);
  const out = matcher.compute(cols, T0, T0 + (HOURS + 1) * 3600_000);
  process.stderr.write(`  columns ${((pushed - started) / 1000).toFixed(3)} s, matching ${((performance.now() - pushed) / 1000).toFixed(3)} s\n`);
  matchTimes.push((performance.now() - started) / 1000);
  result = { stats: out.stats.length, matches: out.matches, rejected: out.rejected };
  process.stderr.write(`matching run ${r + 1}: ${readCount} reads in ${matchTimes.at(-1)!.toFixed(3)} s\n`);
}

// A full day of segment speeds per class, with congestion patches on 30 % of the segments.
const grid = new SpeedGrid(net, Date.parse("2026-11-26T00:00:00+08:00"), 288);
const g = prng(7);
for (let s = 0; s < net.segmentCount; s++) {
  const jam = g() < 0.3 ? Math.floor(g() * 250) : -1;
  for (let t = 0; t < 288; t++) {
    for (const c of VEHICLE_CLASSES) {
      const slow = jam >= 0 && t >= jam && t < jam + 24;
      grid.set(s, t, c, slow ? 15 + g() * 30 : 80 + g() * 25, Math.floor(g() * 200));
    }
  }
}
const detector = new BottleneckDetector();
const detectTimes: number[] = [];
let episodes = 0;
for (let r = 0; r < runs; r++) {
  const started = performance.now();
  episodes = detector.detect(grid).length;
  detectTimes.push((performance.now() - started) / 1000);
  process.stderr.write(`hotspot run ${r + 1}: ${episodes} episodes in ${(detectTimes.at(-1)! * 1000).toFixed(1)} ms\n`);
}

// Incident detection: every read observed in time order, all segments evaluated every 30 s.
const incidentRuns: { per5MinMs: number; evaluateMs: number; alarms: number }[] = [];
const profile = new TravelTimeProfile(net, [], 8 * 3600_000);
const classIdx = Int8Array.from(inClass, (c) => VEHICLE_CLASSES.indexOf(c as (typeof VEHICLE_CLASSES)[number]));
for (let r = 0; r < runs; r++) {
  const detector = new IncidentDetector(net, profile);
  let evaluateMs = 0;
  let evaluations = 0;
  let alarms = 0;
  const started = performance.now();
  let next = T0 + 30_000;
  for (let i = 0; i < readCount; i++) {
    const t = inTs[i]!;
    while (t >= next) {
      const e0 = performance.now();
      alarms += detector.evaluate(next).filter((x) => x.raisedAtMs === next).length;
      evaluateMs += performance.now() - e0;
      evaluations++;
      next += 30_000;
    }
    detector.observe(t, inGantryIndex[i]!, inKey[i]!, classIdx[i]!);
  }
  const totalMs = performance.now() - started;
  const fiveMinPeriods = (next - T0) / 300_000;
  incidentRuns.push({ per5MinMs: totalMs / fiveMinPeriods, evaluateMs: evaluateMs / evaluations, alarms });
  process.stderr.write(
    `incident run ${r + 1}: ${(totalMs / fiveMinPeriods).toFixed(1)} ms per 5-min update, ${(evaluateMs / evaluations).toFixed(2)} ms per evaluation\n`,
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const matchSeconds = median(matchTimes);
const hotspotSeconds = median(detectTimes);
console.log(
  JSON.stringify({
    matchReadsPerSecond: Math.round(readCount / matchSeconds),
    matchReads: readCount,
    matchSeconds: Number(matchSeconds.toFixed(4)),
    // of which: turning reads into columns (interning tag/plate strings), the rest is matching and statistics
    columnsSeconds: Number(median(internTimes).toFixed(4)),
    matches: result.matches,
    rejectedMatches: result.rejected,
    segmentStatsRows: result.stats,
    hotspotFullDaySeconds: Number(hotspotSeconds.toFixed(4)),
    hotspotCells: net.segmentCount * 288 * VEHICLE_CLASSES.length,
    hotspotEpisodes: episodes,
    hotspotTargetSeconds: 1,
    // the reads of 5 minutes (about 28 000 here; the real network carries about 45 000) plus ten 30-s evaluations of all segments
    incidentDetectorMsPer5MinUpdate: Number(median(incidentRuns.map((x) => x.per5MinMs)).toFixed(2)),
    incidentDetectorMsPerEvaluation: Number(median(incidentRuns.map((x) => x.evaluateMs)).toFixed(3)),
    incidentAlarms: incidentRuns[0]!.alarms,
    runs,
  }),
);
