import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import type { Config } from "../config/config.ts";
import { Database } from "../db/database.ts";
import { EmbeddedPostgres } from "../embedded/embedded-postgres.ts";
import type { Logger } from "../log/logger.ts";
import { Migrator, defaultSqlDir } from "../migrate/migrator.ts";
import { Seeder } from "../seed/seeder.ts";
import { runMain } from "./main.ts";

/**
 * `bun run start`: the whole system in one command. Without DATABASE_URL it serves an embedded
 * PGlite on a local port (data under DATA_DIR); then migrates, seeds, and runs every component that
 * exists as its own process with DATABASE_URL set, restarting one that crashes. Ctrl-C stops all.
 */
const root = resolve(import.meta.dir, "..", "..");

interface Component {
  name: "gateway" | "ingest" | "control" | "sim";
  entry: string;
  wanted(config: Config): boolean;
}

const COMPONENTS: Component[] = [
  { name: "ingest", entry: "ingest/main.ts", wanted: () => true },
  { name: "gateway", entry: "gateway/main.ts", wanted: () => true },
  { name: "control", entry: "control/main.ts", wanted: () => true },
  { name: "sim", entry: "ingest/simulator/main.ts", wanted: (c) => c.startSimulator },
];

class Supervisor {
  private readonly children = new Map<string, Subprocess>();
  private readonly restarts = new Map<string, number[]>();
  private stopping = false;

  constructor(
    private readonly env: Record<string, string>,
    private readonly logger: Logger,
  ) {}

  start(c: Component): void {
    const child = Bun.spawn(["bun", join(root, c.entry)], {
      cwd: root,
      env: this.env,
      stdio: ["ignore", "inherit", "inherit"],
    });
    this.children.set(c.name, child);
    void child.exited.then((code) => this.onExit(c, code));
  }

  private onExit(c: Component, code: number | null): void {
    this.children.delete(c.name);
    if (this.stopping) return;
    const now = Date.now();
    const recent = (this.restarts.get(c.name) ?? []).filter((t) => now - t < 60_000);
    if (recent.length >= 5) {
      this.logger.error("component keeps crashing; not restarting it", { component: c.name, code });
      return;
    }
    recent.push(now);
    this.restarts.set(c.name, recent);
    this.logger.warn("component exited; restarting", { component: c.name, code });
    setTimeout(() => !this.stopping && this.start(c), 1000);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const exits = [...this.children.values()].map(async (child) => {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await child.exited;
      clearTimeout(timer);
    });
    await Promise.all(exits);
  }
}

await runMain("start", async ({ config, logger }) => {
  let embedded: EmbeddedPostgres | undefined;
  let url = config.databaseUrl;
  if (!url) {
    embedded = new EmbeddedPostgres({ dataDir: resolve(root, config.dataDir, "pglite"), port: config.embeddedDbPort, logger });
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
    (c) => existsSync(join(root, c.entry)) && c.wanted(config) && !selected.includes("none") && (selected.includes("all") || selected.includes(c.name)),
  );
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  env.DATABASE_URL = url;
  // PGlite answers one query at a time: small pools avoid queueing timeouts.
  if (embedded && !process.env.DATABASE_POOL_MAX) env.DATABASE_POOL_MAX = "2";
  const supervisor = new Supervisor(env, logger);
  for (const c of components) supervisor.start(c);

  console.log(
    [
      `Tollway is running (${embedded ? "embedded database" : "external database"}: ${url.replace(/:[^:@/]*@/, ":***@")})`,
      components.some((c) => c.name === "gateway") ? `  gateway  http://${config.gateway.host}:${config.gateway.port}  (docs at /docs)` : "",
      components.some((c) => c.name === "ingest") ? `  ingest   ${config.ingest.bind}  (metrics on :${config.ingest.metricsPort}/metrics)` : "",
      `  components: ${components.map((c) => c.name).join(", ") || "none"}`,
      "Press Ctrl-C to stop.",
    ]
      .filter(Boolean)
      .join("\n"),
  );

  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  logger.info("stopping");
  await supervisor.stop();
  await embedded?.stop();
  console.log("Tollway stopped.");
});
