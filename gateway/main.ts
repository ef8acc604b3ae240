import { runMain } from "../core/cli/main.ts";
import { LeaderLease, LEASE_KEYS } from "../core/db/leader-lease.ts";
import { SettlementScheduler } from "../core/settlement/settlement-scheduler.ts";
import { SettlementService } from "../core/settlement/settlement-service.ts";
import { createApp } from "./app.ts";
import { startServer } from "./server.ts";

// `bun run gateway`: serves the API on GATEWAY_HOST:GATEWAY_PORT until SIGTERM/SIGINT.
await runMain("gateway", async ({ config, logger, openDatabase }) => {
  // Pool size is DATABASE_POOL_MAX.
  const db = openDatabase("tollway-gateway");
  const app = createApp({ db, config, logger });
  const server = startServer(app, { host: config.gateway.host, port: config.gateway.port });
  logger.info("gateway listening", { url: server.url });
  // Daily settlement after local midnight (catching up missed days), then plate-bill escalation.
  // With several gateways, the one holding the settlement lease runs it.
  const settlementLog = logger.child({ job: "settlement" });
  const lease = new LeaderLease(db, { key: LEASE_KEYS.settlement, name: "settlement", logger: settlementLog });
  const scheduler = new SettlementScheduler(db, new SettlementService(db, { timeZone: config.tollTimezone, logger: settlementLog }), {
    timeZone: config.tollTimezone,
    logger: settlementLog,
    lease,
  });
  scheduler.start();

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info("gateway stopping", { signal });
      resolve();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  // Let in-flight requests finish (bounded), then release what the app holds and the database.
  await Promise.race([server.stop(false), Bun.sleep(10_000)]);
  await app.close();
  await scheduler.stop();
  await lease.close();
  await db.close();
  logger.info("gateway stopped");
});
