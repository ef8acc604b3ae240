/**
 * bun run bench:incidents: the incident detector's scoreboard (control/incidents) over simulated
 * days on the real network at the real day's demand: `--incidents` capacity drops (default 24) per
 * day spread over the whole day, night included, on different segments. Prints progress on stderr
 * and one JSON line: incidents, detectionRate, meanTimeToDetectS, falseAlarmsPer1000SegmentHours,
 * and the acceptance bound (mean free-flow time + 2 min of the detected incidents), false alarms,
 * segment-hours, passages, the detector's mean time per update.
 * Options: --days N (1), --incidents N (24), --vehicles-per-hour N (108000), --seed N (17).
 */
import { runScoreboard } from "../control/incidents/incident-scoreboard.ts";
import { TrafficData } from "../ingest/simulator/traffic-data.ts";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const days = arg("days", 1);
const perDay = arg("incidents", 24);
const DAY = Date.parse("2024-03-25T00:00:00+08:00");
const H = 3600_000;
const started = performance.now();
// Each day in 4 windows of 6 h (each with a 30-min warm-up), so the planner spreads incidents over the whole day.
const windows = [];
for (let d = 0; d < days; d++) {
  for (let w = 0; w < 4; w++) {
    windows.push({
      startMs: DAY + d * 24 * H + w * 6 * H,
      durationMs: 6 * H,
      incidents: Math.round(perDay / 4),
      label: `day ${d + 1} ${String(w * 6).padStart(2, "0")}:00`,
    });
  }
}
const sb = runScoreboard({
  data: TrafficData.load(),
  vehiclesPerHour: arg("vehicles-per-hour", 108_000),
  seed: arg("seed", 17),
  windows,
  progress: (l) => process.stderr.write(`${l} (${((performance.now() - started) / 1000).toFixed(0)} s)\n`),
});
for (const p of sb.perIncident) {
  process.stderr.write(
    `  ${p.window} ${p.segment} ${p.speedKmh} km/h, ${p.entriesPerHour} veh/h before, free flow ${p.freeFlowS.toFixed(0)} s, expected ${p.expectedS.toFixed(0)} s: ${p.detected ? `${p.timeToDetectS!.toFixed(0)} s` : "missed"}\n`,
  );
}
for (const f of sb.falseAlarmList) process.stderr.write(`  false alarm ${f.segment} ${f.raisedAt} (${f.overdue} overdue)\n`);
const round = (x: number, d = 1) => Number(x.toFixed(d));
console.log(
  JSON.stringify({
    incidents: sb.incidents,
    detectionRate: round(sb.detectionRate, 3),
    meanTimeToDetectS: round(sb.meanTimeToDetectS),
    falseAlarmsPer1000SegmentHours: round(sb.falseAlarmsPer1000SegmentHours, 2),
    meanFreeFlowPlus2MinS: round(sb.meanFreeFlowPlus2MinS),
    falseAlarms: sb.falseAlarms,
    segmentHours: round(sb.segmentHours),
    passages: sb.passages,
    detectorUpdates: sb.updates,
    detectorMeanUpdateMs: round(sb.meanUpdateMs, 2),
    seconds: round((performance.now() - started) / 1000),
  }),
);
