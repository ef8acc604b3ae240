import { runMain } from "../core/cli/main.ts";
import { LeaderLease, LEASE_KEYS } from "../core/db/leader-lease.ts";
import { retryTransient } from "../core/db/retry.ts";
import { IngestBatchRetention } from "../core/retention/ingest-batch-retention.ts";
import { bottleneckConfig } from "./hotspots/bottleneck-detector.ts";
import { HotspotJob } from "./hotspots/hotspot-job.ts";
import { dataClock } from "./jobs/data-clock.ts";
import { JobScheduler, sleep } from "./jobs/job-scheduler.ts";
import { SegmentNetwork } from "./network/segment-network.ts";
import { TravelTimeJob } from "./traveltime/travel-time-job.ts";
import { TripsJob } from "./trips/trips-job.ts";

/**
 * `bun run control`: the continuous traffic jobs, every 5 minutes, in dependency order: travel
 * times and speeds (segment_stats), trips, then hotspots on the fresh speeds. Each job catches up
 * from its watermark after downtime. SIGTERM/SIGINT stop it between jobs. Period, bottleneck
 * thresholds and trip gap come from CONTROL_* (core/config).
 */
await runMain("control", async ({ config, logger, openDatabase }) => {
  const db = openDatabase("tollway-control");
  const stop = new AbortController();
  const onSignal = () => {
    logger.info("stopping");
    stop.abort();
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  try {
    // The database may still be starting (or restarting): wait for it.
    const network = await retryTransient(() => SegmentNetwork.load(db), {
      maxAttempts: 31,
      pause: async (attempt) => {
        logger.warn("database not ready, retrying", { attempt });
        await sleep(1000, stop.signal);
        return !stop.signal.aborted;
      },
    });
    if (!network) return 0;
    const detector = bottleneckConfig(config.control.bottleneck);
    const jobs = [
      new TravelTimeJob(db, network, logger),
      new TripsJob(db, network, logger, { gapMs: config.control.tripGapMs }),
      new HotspotJob(db, network, logger, { detector }),
      // ingest_batches past the resend horizon: compacted into ingest_batch_hourly, deleted.
      new IngestBatchRetention(db, { horizonSeconds: config.ingest.batchHorizonSeconds, logger }),
    ];
    logger.info("control started", {
      jobs: jobs.map((j) => j.name),
      segments: network.segmentCount,
      periodMs: config.control.periodMs,
      clock: config.control.clock,
      bottleneck: config.control.bottleneck,
    });
    const clock = config.control.clock === "data" ? dataClock(db) : Date.now;
    // Several control instances may run: the one holding the lease runs each period's jobs.
    const lease = new LeaderLease(db, { key: LEASE_KEYS.control, name: "control", logger });
    try {
      await new JobScheduler(jobs, logger, { periodMs: config.control.periodMs, clock, lease }).run(stop.signal);
    } finally {
      await lease.close();
    }
    logger.info("control stopped");
    return 0;
  } finally {
    await db.close();
  }
});
