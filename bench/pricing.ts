/**
 * bun run bench:pricing: congestion pricing on vs off on a real corridor (control/pricing,
 * corridor-evaluation.ts): the real day's demand calibrated on the priced segment, a bottleneck
 * below its busiest hour, drivers responding to the announced price, the controller every 5 min.
 * Progress on stderr, one JSON line on stdout: per seed the share of peak intervals at or above the
 * target speed (on, off), the largest price step, max and mean multiplier, diverted and shifted
 * trips, vehicles on the priced segment; and the mean shares over the seeds.
 * Options: --corridor zhongli|taipei (zhongli), --seeds 17,1,2 (17), --capacity-share 0.95,
 * --capacity N, --vehicles-per-hour N, --elasticity -0.4, --shift-share 0.3, --peak 6-10 (hours),
 * --speed-only (the controller is not told the capacity: speed terms only).
 */
import { type CorridorRun, runScenario, TAIPEI_SOUTHBOUND, ZHONGLI_NORTHBOUND } from "../control/pricing/corridor-evaluation.ts";
import { TrafficData } from "../ingest/simulator/traffic-data.ts";

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const num = (name: string): number | undefined => (arg(name) === undefined ? undefined : Number(arg(name)));
const corridor = arg("corridor") === "taipei" ? TAIPEI_SOUTHBOUND : ZHONGLI_NORTHBOUND;
const seeds = (arg("seeds") ?? "17").split(",").map(Number);
const [fromH, toH] = (arg("peak") ?? "6-10").split("-").map(Number) as [number, number];
const DAY = Date.parse("2024-03-25T00:00:00+08:00");
const H = 3600_000;
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;

const data = TrafficData.load({ gantryIds: corridor.gantries, atMs: DAY });
process.stderr.write(`${corridor.name}: ${data.segments.length} segments loaded (${elapsed()})\n`);
const round = (x: number, d = 3) => Number(x.toFixed(d));
const figures = (r: CorridorRun) => ({
  shareAtTarget: round(r.shareAtTarget),
  maxStepPermille: r.maxStepPermille,
  maxPermille: r.maxPermille,
  meanPermille: Math.round(r.meanPermille),
  diverted: r.diverted,
  shifted: r.shifted,
  trips: r.trips,
  pricedVehicles: r.pricedVehicles,
  seconds: round(r.seconds, 1),
});
const demand = {
  ...(num("elasticity") === undefined ? {} : { elasticity: num("elasticity") }),
  ...(num("shift-share") === undefined ? {} : { shiftShare: num("shift-share") }),
};
const runs = [];
let scenario: { vehiclesPerHour: number; capacityVehiclesPerHour: number; realFlowPerHour: number; realPeakHourFlowPerHour: number } | undefined;
for (const seed of seeds) {
  const sc = runScenario({
    data,
    corridor,
    peakStartMs: DAY + fromH * H,
    peakEndMs: DAY + toH * H,
    seed,
    capacityShare: num("capacity-share"),
    capacityConfigured: !process.argv.includes("--speed-only"),
    capacityVehiclesPerHour: num("capacity"),
    vehiclesPerHour: num("vehicles-per-hour"),
    demand,
    collectPassages: false,
  });
  scenario ??= sc;
  runs.push({ seed, vehiclesPerHour: sc.vehiclesPerHour, on: figures(sc.on), off: figures(sc.off) });
  process.stderr.write(
    `seed ${seed}: ${sc.vehiclesPerHour} trips/h, capacity ${sc.capacityVehiclesPerHour}/h: at target ${(sc.on.shareAtTarget * 100).toFixed(1)} % priced, ${(sc.off.shareAtTarget * 100).toFixed(1)} % unpriced (${elapsed()})\n`,
  );
}
const mean = (xs: number[]) => round(xs.reduce((a, b) => a + b, 0) / xs.length);
console.log(
  JSON.stringify({
    corridor: corridor.name,
    priced: corridor.priced,
    peak: `${fromH}:00-${toH}:00`,
    realFlowPerHour: Math.round(scenario!.realFlowPerHour),
    realPeakHourFlowPerHour: Math.round(scenario!.realPeakHourFlowPerHour),
    capacityVehiclesPerHour: scenario!.capacityVehiclesPerHour,
    runs,
    meanShareOn: mean(runs.map((r) => r.on.shareAtTarget)),
    meanShareOff: mean(runs.map((r) => r.off.shareAtTarget)),
    seconds: round((performance.now() - started) / 1000, 1),
  }),
);
