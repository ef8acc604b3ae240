import { runMain } from "../core/cli/main.ts";
import { TollwayError } from "../core/errors/tollway-error.ts";
import { bottleneckConfig } from "./hotspots/bottleneck-detector.ts";
import { HotspotJob } from "./hotspots/hotspot-job.ts";
import { DatedNetworks } from "./network/dated-networks.ts";
import { parseArgs, parseTimeArg } from "./tdcs/cli-args.ts";
import { TravelTimeJob } from "./traveltime/travel-time-job.ts";
import { TripsJob } from "./trips/trips-job.ts";

/**
 * `bun run control:compute --from T --to T [--jobs traveltime,trips,hotspots]`: recomputes a past
 * period from the stored passages (idempotent: the period's computed rows are replaced).
 */
const ALL = ["traveltime", "trips", "hotspots"];

await runMain("control-compute", async ({ config, logger, args, openDatabase }) => {
  const { options } = parseArgs(args);
  const tz = config.tollTimezone;
  const from = parseTimeArg(options.get("from"), "from", tz);
  const to = parseTimeArg(options.get("to"), "to", tz);
  if (!(to > from)) throw new TollwayError("bad_request", "--to must be after --from");
  const jobs = (options.get("jobs") ?? ALL.join(",")).split(",");
  for (const j of jobs) if (!ALL.includes(j)) throw new TollwayError("bad_request", `unknown job ${j}; jobs: ${ALL.join(", ")}`);
  const db = openDatabase();
  try {
    // Every piece of the period is computed on the network version of its date.
    const network = await DatedNetworks.load(db);
    if (jobs.includes("traveltime")) {
      const job = new TravelTimeJob(db, network, logger);
      const step = 3600_000;
      let reads = 0;
      let rows = 0;
      let rejected = 0;
      const started = performance.now();
      for (let t = from; t < to; t += step) {
        const r = await job.computeRange(t, Math.min(to, t + step));
        reads += r.reads;
        rows += r.rows;
        rejected += r.rejected;
        process.stderr.write(`\rtravel times: ${new Date(Math.min(to, t + step)).toISOString()} (${reads} reads)`);
      }
      process.stderr.write("\n");
      console.log(
        `travel times: ${rows} segment_stats rows from ${reads} reads, ${rejected} implausible matches rejected, ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }
    if (jobs.includes("trips")) {
      const n = await new TripsJob(db, network, logger, { gapMs: config.control.tripGapMs }).computeRange(from, to);
      console.log(`trips: ${n} trips ending in the period`);
    }
    if (jobs.includes("hotspots")) {
      const r = await new HotspotJob(db, network, logger, { detector: bottleneckConfig(config.control.bottleneck) }).analyse(from, to);
      console.log(`hotspots: ${r.episodes} episodes (${r.inserted} new, ${r.updated} updated, ${r.deleted} removed)`);
    }
    return 0;
  } finally {
    await db.close();
  }
});
