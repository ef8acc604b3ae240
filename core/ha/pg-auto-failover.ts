import { chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { Database } from "../db/database.ts";
import { freeLocalPort } from "../embedded/embedded-postgres.ts";
import { TollwayError } from "../errors/tollway-error.ts";
import { silentLogger, type Logger } from "../log/logger.ts";

/**
 * A pg_auto_failover formation on this machine: a monitor and two PostgreSQL nodes (primary and
 * standby), each run by `pg_autoctl` (Debian packages postgresql-15-auto-failover and
 * pg-auto-failover-cli), on loopback ports, synchronous replication (`ANY 1 (standby)`: a commit
 * returns once the standby has it). The monitor promotes the standby when the primary dies; the
 * multi-host DATABASE_URL (`url`) finds whichever node is read-write. As root everything runs as
 * the OS user `postgres` (setpriv, no extra parent process, so a pid is the pg_autoctl itself).
 * pg_autoctl keeps its state under XDG directories inside `dir`, nothing in a home directory.
 */
export const PG_BIN = "/usr/lib/postgresql/15/bin";
export const PG_AUTOCTL = "/usr/bin/pg_autoctl";

export const FAILOVER_NOT_INSTALLED =
  "pg_auto_failover is not installed (needs /usr/bin/pg_autoctl and PostgreSQL 15 in /usr/lib/postgresql/15): " +
  "run `bash scripts/setup.sh --failover` as root, or `apt-get install postgresql-15-auto-failover pg-auto-failover-cli`";

/**
 * Monitor timings in ms (pgautofailover.* settings). pg_auto_failover's defaults (health check every
 * 5 s, a node unhealthy after 20 s, the old primary given 30 s to demote itself) fail over in about
 * 50 s; these fail over in about 10 s on one machine. primary_demote_timeout guards against two
 * primaries across a network partition: keep it above the keeper's own monitor timeout on real networks.
 */
export interface MonitorTimings {
  healthCheckPeriodMs: number;
  healthCheckTimeoutMs: number;
  healthCheckMaxRetries: number;
  healthCheckRetryDelayMs: number;
  nodeConsideredUnhealthyTimeoutMs: number;
  primaryDemoteTimeoutMs: number;
}

export const FAST_FAILOVER: MonitorTimings = {
  healthCheckPeriodMs: 1000,
  healthCheckTimeoutMs: 1000,
  healthCheckMaxRetries: 1,
  healthCheckRetryDelayMs: 500,
  nodeConsideredUnhealthyTimeoutMs: 3000,
  primaryDemoteTimeoutMs: 5000,
};

export interface FormationOptions {
  /** Working directory (created; owned by postgres when root). */
  dir: string;
  /** Database created on the nodes (default tollway). */
  dbname?: string;
  timings?: MonitorTimings;
  logger?: Logger;
  /** Extra postgresql.conf settings for the data nodes, e.g. { fsync: "off" } in tests. */
  nodeSettings?: Record<string, string>;
}

export interface NodeState {
  name: string;
  port: number;
  reported: string;
  goal: string;
}

interface Node {
  name: string;
  port: number;
  pgdata: string;
  proc: Subprocess | undefined;
}

export function pgAutoFailoverInstalled(): boolean {
  return existsSync(PG_AUTOCTL) && existsSync(join(PG_BIN, "pg_ctl"));
}

export class PgAutoFailoverFormation {
  readonly dbname: string;
  readonly monitorPort = freeLocalPort();
  private readonly nodes: Node[];
  private monitor: Subprocess | undefined;
  private monitorDb: Database | undefined;
  private readonly logger: Logger;
  private readonly asPostgres = process.getuid?.() === 0;

  constructor(private readonly o: FormationOptions) {
    this.dbname = o.dbname ?? "tollway";
    this.logger = o.logger ?? silentLogger;
    let port2 = freeLocalPort();
    while (port2 === this.monitorPort) port2 = freeLocalPort();
    let port1 = freeLocalPort();
    while (port1 === this.monitorPort || port1 === port2) port1 = freeLocalPort();
    this.nodes = [
      { name: "node1", port: port1, pgdata: join(o.dir, "node1"), proc: undefined },
      { name: "node2", port: port2, pgdata: join(o.dir, "node2"), proc: undefined },
    ];
  }

  /** libpq multi-host URL of the formation: the read-write node, whichever it is. */
  get url(): string {
    return `postgres://postgres@${this.nodes.map((n) => `127.0.0.1:${n.port}`).join(",")}/${this.dbname}?target_session_attrs=read-write`;
  }

  /** The standbys, for readers that may lag (DATABASE_READ_URL). */
  get readUrl(): string {
    return `postgres://postgres@${this.nodes.map((n) => `127.0.0.1:${n.port}`).join(",")}/${this.dbname}?target_session_attrs=prefer-standby`;
  }

  get monitorUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.monitorPort}/pg_auto_failover`;
  }

  nodeUrl(name: string): string {
    return `postgres://postgres@127.0.0.1:${this.node(name).port}/${this.dbname}`;
  }

  get nodeNames(): string[] {
    return this.nodes.map((n) => n.name);
  }

  /** Creates and starts the monitor, the primary and the standby; resolves once the standby is synchronous. */
  async start(timeoutMs = 120_000): Promise<void> {
    if (!pgAutoFailoverInstalled()) throw new TollwayError("config", FAILOVER_NOT_INSTALLED);
    const deadline = Date.now() + timeoutMs;
    mkdirSync(this.o.dir, { recursive: true });
    for (const sub of ["config", "share", "run"]) mkdirSync(join(this.o.dir, sub), { recursive: true });
    if (this.asPostgres) this.chownToPostgres(this.o.dir);

    await this.run("create monitor", [
      "create",
      "monitor",
      "--pgctl",
      join(PG_BIN, "pg_ctl"),
      "--pgdata",
      join(this.o.dir, "monitor"),
      "--pgport",
      String(this.monitorPort),
      "--hostname",
      "127.0.0.1",
      "--auth",
      "trust",
      "--no-ssl",
    ]);
    this.monitor = this.spawn("monitor", ["run", "--pgdata", join(this.o.dir, "monitor")]);
    this.monitorDb = new Database({ url: this.monitorUrl, max: 1, connectTimeoutMs: 2000 });
    await this.until(deadline, "the monitor answers", async () => (await this.monitorDb!.query("select 1")).length === 1);
    const t = this.o.timings ?? FAST_FAILOVER;
    const settings: [string, number][] = [
      ["health_check_period", t.healthCheckPeriodMs],
      ["health_check_timeout", t.healthCheckTimeoutMs],
      ["health_check_max_retries", t.healthCheckMaxRetries],
      ["health_check_retry_delay", t.healthCheckRetryDelayMs],
      ["node_considered_unhealthy_timeout", t.nodeConsideredUnhealthyTimeoutMs],
      ["primary_demote_timeout", t.primaryDemoteTimeoutMs],
    ];
    for (const [k, v] of settings) await this.monitorDb.query(`alter system set pgautofailover.${k} = ${Math.round(v)}`);
    await this.monitorDb.query("select pg_reload_conf()");
    this.logger.info("pg_auto_failover monitor running", { port: this.monitorPort });

    const [first, second] = this.nodes as [Node, Node];
    this.startNode(first, true);
    await this.until(deadline, `${first.name} to be the primary`, async () =>
      ["single", "wait_primary", "primary"].includes((await this.state(first.name))?.reported ?? ""),
    );
    if (this.o.nodeSettings) await this.applyNodeSettings(first);
    this.startNode(second, true);
    // pg_basebackup waits for a spread checkpoint on the primary; an explicit CHECKPOINT makes it immediate.
    await this.until(
      deadline,
      `${second.name} to become a synchronous standby`,
      async () => {
        const [s1, s2] = [await this.state(first.name), await this.state(second.name)];
        if (s1?.reported === "primary" && s2?.reported === "secondary") return true;
        await this.onNode(first.name, (db) => db.query("checkpoint")).catch(() => undefined);
        return false;
      },
      500,
    );
    this.logger.info("pg_auto_failover formation ready", { url: this.url });
  }

  /** The node each reports being and the state the monitor wants it in. */
  async states(): Promise<NodeState[]> {
    const rows = await this.monitorDb!.query<{ nodename: string; nodeport: number; reportedstate: string; goalstate: string }>(
      "select nodename, nodeport, reportedstate::text, goalstate::text from pgautofailover.node order by nodeid",
    );
    return rows.map((r) => ({ name: r.nodename, port: r.nodeport, reported: r.reportedstate, goal: r.goalstate }));
  }

  async state(name: string): Promise<NodeState | undefined> {
    return (await this.states()).find((s) => s.name === name);
  }

  /** The node the monitor has as primary (reported and goal state primary or wait_primary), if any. */
  async primary(): Promise<string | undefined> {
    const s = (await this.states()).find((n) => ["primary", "wait_primary", "single"].includes(n.reported) && n.reported === n.goal);
    return s?.name;
  }

  /** `kill -9` of a node: its pg_autoctl and every process under it (PostgreSQL too). */
  async killNode(name: string): Promise<void> {
    const n = this.node(name);
    if (!n.proc) return;
    const proc = n.proc;
    n.proc = undefined;
    await killTree(proc.pid);
    await proc.exited;
  }

  /** Starts a stopped node again (`pg_autoctl run`): a former primary rejoins as a standby. */
  restartNode(name: string): void {
    const n = this.node(name);
    if (n.proc) return;
    this.startNode(n, false);
  }

  /** Waits until `name` reports `state` (e.g. secondary after a restart). */
  async waitForState(name: string, state: string, timeoutMs: number): Promise<void> {
    await this.until(Date.now() + timeoutMs, `${name} to be ${state}`, async () => (await this.state(name))?.reported === state);
  }

  /** Runs fn on a connection to one node (no host walk). */
  async onNode<T>(name: string, fn: (db: Database) => Promise<T>): Promise<T> {
    const db = new Database({ url: this.nodeUrl(name), max: 1, connectTimeoutMs: 2000 });
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  }

  /** Stops every node and the monitor (SIGTERM, then SIGKILL after 10 s) and removes `dir` when asked. */
  async stop(opts: { removeDir?: boolean } = {}): Promise<void> {
    await this.monitorDb?.close().catch(() => undefined);
    this.monitorDb = undefined;
    const procs = [...this.nodes.map((n) => n.proc), this.monitor].filter((p): p is Subprocess => !!p);
    await Promise.all(
      procs.map(async (p) => {
        p.kill("SIGTERM");
        const killed = setTimeout(() => void killTree(p.pid), 10_000);
        await p.exited;
        clearTimeout(killed);
      }),
    );
    // A postmaster left behind by a killed pg_autoctl.
    for (const dir of [...this.nodes.map((n) => n.pgdata), join(this.o.dir, "monitor")]) killPostmaster(dir);
    for (const n of this.nodes) n.proc = undefined;
    this.monitor = undefined;
    if (opts.removeDir) rmSync(this.o.dir, { recursive: true, force: true });
  }

  private node(name: string): Node {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new TollwayError("internal", `no node ${name}`);
    return n;
  }

  private startNode(n: Node, create: boolean): void {
    const args = create
      ? [
          "create",
          "postgres",
          "--pgctl",
          join(PG_BIN, "pg_ctl"),
          "--pgdata",
          n.pgdata,
          "--pgport",
          String(n.port),
          "--hostname",
          "127.0.0.1",
          "--listen",
          "127.0.0.1",
          "--name",
          n.name,
          "--dbname",
          this.dbname,
          "--auth",
          "trust",
          "--no-ssl",
          "--monitor",
          `postgres://autoctl_node@127.0.0.1:${this.monitorPort}/pg_auto_failover?sslmode=disable`,
          "--run",
        ]
      : ["run", "--pgdata", n.pgdata];
    n.proc = this.spawn(n.name, args);
  }

  private async applyNodeSettings(n: Node): Promise<void> {
    await this.onNode(n.name, async (db) => {
      for (const [k, v] of Object.entries(this.o.nodeSettings ?? {})) {
        if (!/^[a-z_.]+$/.test(k)) throw new TollwayError("config", `not a setting name: ${k}`);
        await db.query(`alter system set ${k} = '${v.replace(/'/g, "''")}'`);
      }
      await db.query("select pg_reload_conf()");
    });
  }

  private argv(args: string[]): string[] {
    const env = [
      "env",
      `XDG_CONFIG_HOME=${join(this.o.dir, "config")}`,
      `XDG_DATA_HOME=${join(this.o.dir, "share")}`,
      `XDG_RUNTIME_DIR=${join(this.o.dir, "run")}`,
      `PG_CONFIG=${join(PG_BIN, "pg_config")}`,
      `PATH=${PG_BIN}:/usr/bin:/bin`,
    ];
    const cmd = [...env, PG_AUTOCTL, ...args];
    return this.asPostgres ? ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--", ...cmd] : cmd;
  }

  private spawn(name: string, args: string[]): Subprocess {
    const fd = openSync(join(this.o.dir, `${name}.log`), "a");
    const p = Bun.spawn(this.argv(args), { cwd: this.o.dir, stdin: "ignore", stdout: fd, stderr: fd });
    closeSync(fd);
    this.logger.info("pg_autoctl started", { node: name, pid: p.pid, log: join(this.o.dir, `${name}.log`) });
    return p;
  }

  private async run(what: string, args: string[]): Promise<void> {
    const p = Bun.spawn(this.argv(args), { cwd: this.o.dir, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const [code, out, err] = await Promise.all([p.exited, new Response(p.stdout).text(), new Response(p.stderr).text()]);
    if (code !== 0) throw new TollwayError("internal", `pg_autoctl ${what} failed (${code}): ${(err || out).trim().split("\n").slice(-5).join("\n")}`);
  }

  private async until(deadline: number, what: string, check: () => Promise<boolean>, everyMs = 200): Promise<void> {
    let last: unknown;
    for (;;) {
      try {
        if (await check()) return;
      } catch (e) {
        last = e;
      }
      if (Date.now() > deadline) {
        throw new TollwayError("internal", `timed out waiting for ${what}${last ? ` (${(last as Error).message})` : ""}; logs in ${this.o.dir}/*.log`);
      }
      await Bun.sleep(everyMs);
    }
  }

  private chownToPostgres(dir: string): void {
    const pw = readFileSync("/etc/passwd", "utf8")
      .split("\n")
      .find((l) => l.startsWith("postgres:"))
      ?.split(":");
    if (!pw) throw new TollwayError("config", "the OS user postgres is missing (it comes with the postgresql package)");
    for (const d of [dir, join(dir, "config"), join(dir, "share"), join(dir, "run")]) chownSync(d, Number(pw[2]), Number(pw[3]));
  }
}

/** Every pid under `pid` (itself first), read from /proc before any is killed. */
function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    let children: string[] = [];
    try {
      children = readFileSync(`/proc/${out[i]}/task/${out[i]}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
    } catch {
      // gone
    }
    out.push(...children.map(Number));
  }
  return out;
}

function signal(pids: readonly number[], sig: "SIGSTOP" | "SIGKILL"): void {
  for (const p of pids) {
    try {
      process.kill(p, sig);
    } catch {
      // already gone
    }
  }
}

/**
 * SIGKILL of a process and everything under it, with no survivor: the tree is stopped first (no
 * process can fork a new one, e.g. the postmaster a backend for a connection arriving right now),
 * read again, then killed. A backend forked between a read and the kill would outlive its server and
 * leave its client's query hanging.
 */
async function killTree(pid: number): Promise<void> {
  const first = processTree(pid);
  signal(first, "SIGSTOP");
  await Bun.sleep(20);
  signal([...new Set([...first, ...processTree(pid)])], "SIGKILL");
}

function killPostmaster(pgdata: string): void {
  try {
    const pid = Number(readFileSync(join(pgdata, "postmaster.pid"), "utf8").split("\n")[0]);
    // Only that cluster's postmaster, never a process that reused a stale pid.
    if (pid > 0 && readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(pgdata)) process.kill(pid, "SIGKILL");
  } catch {
    // no server there
  }
}
