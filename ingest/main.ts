import { runMain } from "../core/cli/main.ts";
import { requireDatabaseUrl } from "../core/config/config.ts";
import { Database } from "../core/db/database.ts";
import { IngestService } from "./service/ingest-service.ts";

/** `bun run ingest`: the TR1 gantry ingest until SIGTERM/SIGINT, then a graceful stop. */
await runMain("ingest", async ({ config, logger }) => {
  // A query limit, so a connection the server dropped mid-COPY fails and is retried instead of
  // holding the ingest forever (a group's statements take well under a second).
  const db = new Database({
    url: requireDatabaseUrl(config),
    max: config.databasePoolMax,
    logger,
    applicationName: "tollway-ingest",
    queryTimeoutMs: 30_000,
  });
  const service = new IngestService({
    db,
    logger,
    bind: config.ingest.bind,
    curveSecretKey: config.ingest.curve?.secretKey,
    duplicateWindowSeconds: config.ingest.duplicateWindowSeconds,
    readMaxAgeSeconds: config.ingest.readMaxAgeSeconds,
    readMaxAheadSeconds: config.ingest.readMaxAheadSeconds,
    metricsPort: config.ingest.metricsPort,
    metricsHost: config.ingest.metricsHost,
  });
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (sig: string) => {
      logger.info("stopping", { signal: sig });
      resolve();
    };
    process.once("SIGTERM", () => onSignal("SIGTERM"));
    process.once("SIGINT", () => onSignal("SIGINT"));
  });
  await service.start();
  await stopped;
  await service.stop();
  await db.close();
});
