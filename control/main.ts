import { runMain } from "../core/cli/main.ts";
import { LeaderLease, LEASE_KEYS } from "../core/db/leader-lease.ts";
import { retryTransient } from "../core/db/retry.ts";
import { IngestBatchRetention } from "../core/retention/ingest-batch-retention.ts";
import { bottleneckConfig } from "./hotspots/bottleneck-detector.ts";
import { HotspotJob } from "./hotspots/hotspot-job.ts";
import { DEFAULT_INCIDENT_CONFIG } from "./incidents/incident-config.ts";
import { IncidentJob } from "./incidents/incident-job.ts";
import { dataClock } from "./jobs/data-clock.ts";
import { PricingJob } from "./pricing/pricing-job.ts";
import { JobScheduler, sleep } from "./jobs/job-scheduler.ts";
import { CurrentNetworkJob } from "./network/current-network-job.ts";
import { DatedNetworks } from "./network/dated-networks.ts";
import { TravelTimeJob } from "./traveltime/travel-time-job.ts";
import { TripsJob } from "./trips/trips-job.ts";

/**
 * `bun run control`: the continuous traffic jobs, every 5 minutes, in dependency order: travel
 * times and speeds (segment_stats), trips, then hotspots on the fresh speeds. Each job catches up
 * from its watermark after downtime. Incident detection runs beside them on its own period (30 s)
 * and leader lease, so a slow 5-minute pass never delays an alarm. SIGTERM/SIGINT stop it between jobs. Period, bottleneck
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
    // Each job computes a period on the network version of its date, re-read when a version is added.
    const network = await retryTransient(() => DatedNetworks.load(db), {
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
      new CurrentNetworkJob(db, logger),
      new TravelTimeJob(db, network, logger),
      new TripsJob(db, network, logger, { gapMs: config.control.tripGapMs }),
      new HotspotJob(db, network, logger, { detector }),
      // congestion prices of the priced segments (none by default: Taiwan's fixed rates)
      new PricingJob(db, logger),
      // ingest_batches past the resend horizon: compacted into ingest_batch_hourly, deleted.
      new IngestBatchRetention(db, { horizonSeconds: config.ingest.batchHorizonSeconds, logger }),
    ];
    logger.info("control started", {
      jobs: jobs.map((j) => j.name),
      network: (await network.at(Date.now()))?.version,
      periodMs: config.control.periodMs,
      clock: config.control.clock,
      bottleneck: config.control.bottleneck,
    });
    const clock = config.control.clock === "data" ? dataClock(db) : Date.now;
    const inc = config.control.incidents;
    const incidents = new IncidentJob(db, network, logger, {
      config: { ...DEFAULT_INCIDENT_CONFIG, ...inc.detector },
      periodMs: inc.periodMs,
      profileDays: inc.profileDays,
      timeZone: config.tollTimezone,
    });
    // Several control instances may run: the one holding the lease runs each period's jobs (both schedulers).
    const lease = new LeaderLease(db, { key: LEASE_KEYS.control, name: "control", logger });
    try {
      await Promise.all([
        new JobScheduler(jobs, logger, { periodMs: config.control.periodMs, clock, lease }).run(stop.signal),
        new JobScheduler([incidents], logger, { periodMs: inc.periodMs, settleMs: 2000, clock, lease, label: "incident" }).run(stop.signal),
      ]);
    } finally {
      await lease.close();
    }
    logger.info("control stopped");
    return 0;
  } finally {
    await db.close();
  }
});
