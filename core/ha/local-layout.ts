import { resolve } from "node:path";
import { Database } from "../db/database.ts";
import { freeLocalPort } from "../embedded/embedded-postgres.ts";
import { silentLogger, type Logger } from "../log/logger.ts";
import { Migrator, defaultSqlDir } from "../migrate/migrator.ts";
import { Seeder } from "../seed/seeder.ts";
import { Supervisor, type SupervisedComponent } from "../supervisor/supervisor.ts";
import { PgAutoFailoverFormation, type FormationOptions } from "./pg-auto-failover.ts";

/**
 * The high-availability layout on one machine, without Docker: a pg_auto_failover formation
 * (monitor, primary, synchronous standby), then `ingestInstances` ingest processes and
 * `gatewayInstances` gateways on their own ports, optionally the control jobs and the simulator,
 * all with the formation's multi-host DATABASE_URL (target_session_attrs=read-write) and
 * DATABASE_READ_URL (the standby first), each restarted when it exits (core/supervisor), as
 * `bun run start` does. `bun run ha:local` runs it; test/failover.ha.test.ts kills parts of it.
 */
const root = resolve(import.meta.dir, "..", "..");

export interface LocalLayoutOptions {
  /** Where the formation keeps its clusters and logs. */
  dir: string;
  ingestInstances?: number;
  gatewayInstances?: number;
  control?: boolean;
  /** `bun run sim` flags: the simulator runs supervised, sending to the ingest endpoints. Undefined: no simulator. */
  simulatorArgs?: string[];
  /** Extra environment for every component (e.g. LOG_LEVEL, the ingest's read-time window). */
  env?: Record<string, string>;
  formation?: Omit<FormationOptions, "dir" | "logger">;
  logger?: Logger;
  /** Delay before a component that exited is started again (default 500 ms, doubling up to 10 s). */
  restartDelayMs?: number;
}

export interface InstanceAddress {
  name: string;
  /** ingest: the TR1 endpoint; gateway: the HTTP base URL. */
  address: string;
  readyUrl: string;
}

export class LocalHaLayout {
  readonly formation: PgAutoFailoverFormation;
  readonly ingests: InstanceAddress[];
  readonly gateways: InstanceAddress[];
  private supervisor: Supervisor | undefined;
  private readonly logger: Logger;

  constructor(private readonly o: LocalLayoutOptions) {
    this.logger = o.logger ?? silentLogger;
    this.formation = new PgAutoFailoverFormation({ ...o.formation, dir: o.dir, logger: this.logger });
    const used = new Set<number>();
    const port = () => {
      let p = freeLocalPort();
      while (used.has(p)) p = freeLocalPort();
      used.add(p);
      return p;
    };
    this.ingests = Array.from({ length: o.ingestInstances ?? 2 }, (_, i) => {
      const metrics = port();
      return { name: `ingest-${i + 1}`, address: `tcp://127.0.0.1:${port()}`, readyUrl: `http://127.0.0.1:${metrics}/readyz` };
    });
    this.gateways = Array.from({ length: o.gatewayInstances ?? 1 }, (_, i) => {
      const base = `http://127.0.0.1:${port()}`;
      return { name: `gateway-${i + 1}`, address: base, readyUrl: `${base}/readyz` };
    });
  }

  /** The simulator's `--endpoint`: every ingest instance; a gantry moves to the next when one stops answering. */
  simulatorEndpoint(): string {
    return this.ingests.map((i) => i.address).join(",");
  }

  /** Formation, schema and seed, then the components; resolves once every ingest and gateway answers /readyz. */
  async start(readyTimeoutMs = 120_000): Promise<void> {
    await this.formation.start();
    const db = new Database({ url: this.formation.url, max: 1, logger: this.logger, applicationName: "tollway-ha-local" });
    try {
      await new Migrator({
        db,
        sqlDir: defaultSqlDir,
        timescaledb: "off",
        tollTimezone: this.o.env?.TOLL_TIMEZONE ?? "Asia/Taipei",
        logger: this.logger,
      }).run();
      await new Seeder(db, this.logger).run();
    } finally {
      await db.close();
    }
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    Object.assign(env, { DATABASE_URL: this.formation.url, DATABASE_READ_URL: this.formation.readUrl, TIMESCALEDB: "off" }, this.o.env ?? {});
    const delay = this.o.restartDelayMs ?? 500;
    this.supervisor = new Supervisor({ cwd: root, env, logger: this.logger, policy: { initialDelayMs: delay, maxDelayMs: Math.max(delay, 10_000) } });
    const components: SupervisedComponent[] = [
      ...this.ingests.map((i) => ({
        name: i.name,
        command: ["bun", "ingest/main.ts"],
        readyUrl: i.readyUrl,
        env: { INGEST_BIND: i.address, INGEST_METRICS_PORT: new URL(i.readyUrl).port },
      })),
      ...this.gateways.map((g) => ({
        name: g.name,
        command: ["bun", "gateway/main.ts"],
        readyUrl: g.readyUrl,
        env: { GATEWAY_HOST: "127.0.0.1", GATEWAY_PORT: new URL(g.address).port },
      })),
      ...(this.o.control ? [{ name: "control", command: ["bun", "control/main.ts"] }] : []),
    ];
    for (const c of components) this.supervisor.start(c);
    const deadline = Date.now() + readyTimeoutMs;
    for (const c of components) {
      if (!c.readyUrl) continue;
      while (!(await answers(c.readyUrl))) {
        if (Date.now() > deadline) throw new Error(`${c.name} did not become ready at ${c.readyUrl}`);
        await Bun.sleep(200);
      }
    }
    if (this.o.simulatorArgs)
      this.supervisor.start({ name: "sim", command: ["bun", "ingest/simulator/main.ts", "--endpoint", this.simulatorEndpoint(), ...this.o.simulatorArgs] });
  }

  /** The pid of a supervised component (ingest-1, gateway-1, control, sim), if it runs. */
  pidOf(name: string): number | undefined {
    return this.supervisor?.status()[name]?.pid;
  }

  restartsOf(name: string): number {
    return this.supervisor?.status()[name]?.restarts ?? 0;
  }

  /** Components first (SIGTERM), then the formation. */
  async stop(opts: { removeDir?: boolean } = {}): Promise<void> {
    await this.supervisor?.stop();
    await this.formation.stop(opts);
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}
