import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Config } from "../config/config.ts";
import { Database } from "../db/database.ts";
import { EmbeddedPostgres } from "../embedded/embedded-postgres.ts";
import { Migrator, defaultSqlDir } from "../migrate/migrator.ts";
import { Seeder } from "../seed/seeder.ts";
import { Supervisor, type SupervisedComponent } from "../supervisor/supervisor.ts";
import { runMain } from "./main.ts";

/**
 * `bun run start`: the whole system in one command. Without DATABASE_URL it runs the embedded
 * PostgreSQL (data under DATA_DIR/postgres); then migrates, seeds, and runs every component that
 * exists as its own process with DATABASE_URL set, restarting one that exits (core/supervisor).
 * Ctrl-C stops the components, then the embedded database.
 */
const root = resolve(import.meta.dir, "..", "..");

interface Component {
  name: "gateway" | "ingest" | "control" | "sim";
  entry: string;
  wanted(config: Config): boolean;
  /** Where the component answers readiness, if it does. */
  readyUrl?(config: Config): string | undefined;
}

const COMPONENTS: Component[] = [
  {
    name: "ingest",
    entry: "ingest/main.ts",
    wanted: () => true,
    readyUrl: (c) => (c.ingest.metricsPort ? `http://${probeHost(c.ingest.metricsHost)}:${c.ingest.metricsPort}/readyz` : undefined),
  },
  {
    name: "gateway",
    entry: "gateway/main.ts",
    wanted: () => true,
    readyUrl: (c) => (c.gateway.port ? `http://${probeHost(c.gateway.host)}:${c.gateway.port}/readyz` : undefined),
  },
  { name: "control", entry: "control/main.ts", wanted: () => true },
  { name: "sim", entry: "ingest/simulator/main.ts", wanted: (c) => c.startSimulator },
];

/** A wildcard listener is probed on the loopback address. */
const probeHost = (host: string) => (host === "0.0.0.0" || host === "*" ? "127.0.0.1" : host);

await runMain("start", async ({ config, logger }) => {
  // Signals from the first moment: a Ctrl-C while the database starts must still stop it. Repeats
  // are ignored, never fatal: under `bun run start` one Ctrl-C arrives twice (from the terminal and
  // passed on by bun), and dying mid-stop would leave the database running.
  let stopRequested = false;
  let requestStop: () => void = () => undefined;
  const stopSignal = new Promise<void>((resolveStop) => (requestStop = resolveStop));
  const onSignal = (signal: string) => {
    if (stopRequested) return logger.info("already stopping", { signal });
    stopRequested = true;
    requestStop();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  let embedded: EmbeddedPostgres | undefined;
  let supervisor: Supervisor | undefined;
  try {
    let url = config.databaseUrl;
    if (!url) {
      const dataDir = resolve(root, config.dataDir);
      if (existsSync(join(dataDir, "pglite"))) {
        logger.warn("the PGlite data of earlier versions is no longer used; the embedded database is PostgreSQL now (starts empty)", {
          unused: join(dataDir, "pglite"),
        });
      }
      embedded = new EmbeddedPostgres({ dataDir: join(dataDir, "postgres"), port: config.embeddedDbPort, logger });
      url = await embedded.start();
    }

    const db = new Database({ url, max: 1, logger, applicationName: "tollway-start" });
    try {
      const m = await new Migrator({ db, sqlDir: defaultSqlDir, timescaledb: config.timescaledb, tollTimezone: config.tollTimezone, logger }).run();
      const s = await new Seeder(db, logger).run();
      logger.info("database ready", { migrationsApplied: m.applied.length, timescaledb: m.timescaledb, gantries: s.gantries, tollZones: s.tollZones });
    } finally {
      await db.close();
    }

    const selected = config.startComponents;
    const components = COMPONENTS.filter(
      (c) =>
        !stopRequested &&
        existsSync(join(root, c.entry)) &&
        c.wanted(config) &&
        !selected.includes("none") &&
        (selected.includes("all") || selected.includes(c.name)),
    );
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    env.DATABASE_URL = url;
    supervisor = new Supervisor({ cwd: root, env, logger, policy: { maxDelayMs: config.startRestartMaxDelayMs } });
    const supervised: SupervisedComponent[] = components.map((c) => ({ name: c.name, command: ["bun", join(root, c.entry)], readyUrl: c.readyUrl?.(config) }));
    for (const c of supervised) supervisor.start(c);

    const ingestReady = supervised.find((c) => c.name === "ingest")?.readyUrl;
    console.log(
      [
        `Tollway is running (${embedded ? `embedded database: ${url}, log ${embedded.logFile}` : `external database: ${url.replace(/:[^:@/]*@/, ":***@")}`})`,
        components.some((c) => c.name === "gateway")
          ? `  gateway  http://${config.gateway.host}:${config.gateway.port}  (docs at /docs, readiness at /readyz)`
          : "",
        components.some((c) => c.name === "ingest")
          ? `  ingest   ${config.ingest.bind}  (${ingestReady ? `readiness at ${ingestReady}, metrics at /metrics` : "no HTTP endpoint"})`
          : "",
        `  components: ${components.map((c) => c.name).join(", ") || "none"} (restarted when they exit; see the log)`,
        "Press Ctrl-C to stop.",
      ]
        .filter(Boolean)
        .join("\n"),
    );

    await stopSignal;
    logger.info("stopping");
  } finally {
    await supervisor?.stop();
    await embedded?.stop();
  }
  console.log("Tollway stopped.");
});
