import { join } from "node:path";
import { runMain } from "../../core/cli/main.ts";
import type { Database } from "../../core/db/database.ts";
import { connectEndpointFor, parseSimArgs } from "./cli-options.ts";
import { registeredPoolFor, trafficDataFor, trafficModelFor } from "./model-for-options.ts";
import { SimulatedGantryKeys } from "./gantry-keys.ts";
import { Outbox } from "./outbox.ts";
import { provisionRegisteredTags } from "./provision.ts";
import { Simulator } from "./simulator.ts";
import { LivePrices } from "./live-prices.ts";
import { TollwayError } from "../../core/errors/tollway-error.ts";
import type { SimulatedRead } from "./simulated-read.ts";

/**
 * `bun run sim`: every gantry of the real network (or a subset) streams simulated reads to the
 * ingest over TR1 until SIGTERM/SIGINT (or --duration), then prints a summary. Flags: --help.
 */
await runMain("sim", async ({ config, logger, args, openDatabase }) => {
  if (args.includes("--help")) {
    const { SIM_USAGE } = await import("./cli-options.ts");
    console.log(SIM_USAGE);
    return 0;
  }
  const o = parseSimArgs(args);
  const endpoints = o.endpoints ?? config.ingest.endpoints ?? [connectEndpointFor(config.ingest.bind)];
  // The network of the simulated date (e.g. --start 2024-05-07T08:00:00+08:00 reads at 01F0153N).
  const data = trafficDataFor(o);
  const gantryIds = [...new Set(data.segments.flatMap((s) => [s.fromGantry, s.toGantry]))];
  const simDir = join(config.dataDir, "simulator");

  // The database is optional: it only gives simulated tags their accounts and gantries their keys.
  let db: Database | undefined;
  if (o.demandResponse) {
    if (!config.databaseUrl) throw new TollwayError("bad_request", "--demand-response reads the published prices: set DATABASE_URL");
    if (o.acceleration === Infinity)
      throw new TollwayError("bad_request", "--demand-response needs a finite --acceleration (drivers react to prices as time passes)");
  }
  if (config.databaseUrl && (o.provision || config.ingest.curve?.publicKey || o.demandResponse)) db = openDatabase("tollway-sim");
  const pool = registeredPoolFor(o, data);
  if (db && o.provision && pool.length > 0) {
    try {
      const r = await provisionRegisteredTags(db, pool);
      logger.info("registered tag pool", r);
    } catch (e) {
      logger.warn("could not provision the registered tags; passages will have no account", { err: (e as Error).message });
    }
  }
  let curve: ConstructorParameters<typeof Simulator>[0]["curve"];
  const serverKey = config.ingest.curve?.publicKey;
  if (serverKey) {
    const keys = new SimulatedGantryKeys(join(simDir, "gantry-keys.json"));
    if (db) await keys.register(db, gantryIds, logger);
    else logger.warn("CURVE is on but DATABASE_URL is not set: the simulated gantries' keys cannot be registered");
    curve = { serverKey, keyPair: (g) => keys.keyPair(g) };
  } else if (config.ingest.curve) {
    logger.warn("INGEST_CURVE_SECRET_KEY is set without INGEST_CURVE_PUBLIC_KEY: the simulator connects without CURVE");
  }
  const startMs = o.startMs ?? Date.now();
  // Drivers see the prices in force at the simulated time.
  const wallStart = Date.now();
  const simNow = () => startMs + (Date.now() - wallStart) * o.acceleration;
  const prices = o.demandResponse && db ? new LivePrices(db, simNow, logger, Math.max(1000, 30_000 / o.acceleration)) : undefined;
  if (prices) await prices.start();
  else await db?.close();
  const model = trafficModelFor(o, data, startMs, prices ? { announcedPermille: prices.permille } : {});
  const sim = new Simulator({
    endpoint: endpoints,
    reads: readsFrom(model.reads(), startMs),
    simStartMs: startMs,
    outbox: new Outbox(join(simDir, "outbox"), { fsync: o.fsync }),
    acceleration: o.acceleration,
    maxBatchReads: o.maxBatchReads,
    flushIntervalMs: o.flushIntervalMs,
    maxInFlight: o.maxInFlight,
    ackTimeoutMs: o.ackTimeoutMs,
    progressIntervalMs: o.progressIntervalMs,
    logger,
    ...(curve ? { curve } : {}),
  });
  logger.info("simulator started", {
    endpoints,
    gantries: gantryIds.length,
    segments: data.segments.length,
    vehiclesPerHour: o.vehiclesPerHour,
    acceleration: o.acceleration === Infinity ? "max" : o.acceleration,
    start: new Date(startMs).toISOString(),
    duration: o.durationMs === undefined ? "until stopped" : `${o.durationMs / 1000}s`,
    incidents: o.incidents.length,
    capacities: o.capacities.length,
    demandResponse: o.demandResponse ?? false,
    curve: curve !== undefined,
  });
  const onSignal = (signal: string) => {
    logger.info("stopping", { signal });
    sim.stop();
  };
  process.once("SIGTERM", () => onSignal("SIGTERM"));
  process.once("SIGINT", () => onSignal("SIGINT"));
  const summary = await sim.run().finally(async () => {
    prices?.stop();
    if (prices) await db?.close();
  });
  logger.info("simulator summary", { ...summary });
  process.stderr.write(
    `sim: ${summary.readsSent} reads sent in ${summary.batchesSent} batches, ${summary.readsAcked} acked, ` +
      `${summary.duplicateBatches} duplicate batches, ${summary.readsRejected} reads rejected, ${summary.resends} resends, ` +
      `${summary.unackedBatches} batches left in the outbox\n`,
  );
  console.log(JSON.stringify(summary));
  return 0;
});

function* readsFrom(reads: Iterator<SimulatedRead>, fromMs: number): Generator<SimulatedRead> {
  for (let r = reads.next(); !r.done; r = reads.next()) if (r.value.tsMs >= fromMs) yield r.value;
}
