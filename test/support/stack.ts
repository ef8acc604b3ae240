import { readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { throwawayDataDir } from "./embedded.ts";

/**
 * `bun run start` as a child process, the way an operator runs it: no DATABASE_URL, so the embedded
 * PostgreSQL in a throwaway DATA_DIR. Collects the banner (stdout) and the JSON log lines of the
 * launcher and its components (stderr), which tests read to find pids and states.
 */
const root = resolve(import.meta.dir, "..", "..");

export interface StackOptions {
  /** Reuse a DATA_DIR (e.g. to start again on the same data); default: a new throwaway one. */
  dataDir?: string;
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

export type LogLine = Record<string, unknown> & { msg: string };

export class Stack {
  out = "";
  readonly logs: LogLine[] = [];
  private readonly pumps: Promise<void>[];

  private constructor(
    readonly proc: Subprocess<"ignore", "pipe", "pipe">,
    readonly dataDir: string,
    private readonly ownsDataDir: boolean,
  ) {
    this.pumps = [
      pump(proc.stdout, (t) => (this.out += t)),
      pump(proc.stderr, (t) => {
        for (const line of t.split("\n")) {
          if (!line.startsWith("{")) continue;
          try {
            this.logs.push(JSON.parse(line) as LogLine);
          } catch {
            // not a log line (a component's plain output)
          }
        }
      }),
    ];
  }

  static async start(opts: StackOptions = {}): Promise<Stack> {
    const dataDir = opts.dataDir ?? throwawayDataDir();
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== "DATABASE_URL") env[k] = v;
    Object.assign(env, { DATA_DIR: dataDir, LOG_LEVEL: "info", INGEST_CURVE_SECRET_KEY: "", INGEST_CURVE_PUBLIC_KEY: "" }, opts.env ?? {});
    const proc = Bun.spawn(["bun", join(root, "core/cli/start.ts")], { cwd: root, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const stack = new Stack(proc, dataDir, !opts.dataDir);
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 90_000);
    while (!stack.out.includes("Press Ctrl-C to stop.")) {
      if (proc.exitCode !== null || Date.now() > deadline) {
        await stack.kill();
        throw new Error(
          `start did not come up (exit ${proc.exitCode}):\n${stack.out}\n${stack.logs
            .slice(-20)
            .map((l) => JSON.stringify(l))
            .join("\n")}`,
        );
      }
      await Bun.sleep(50);
    }
    return stack;
  }

  /** The embedded database's URL, from the banner. */
  get databaseUrl(): string {
    const m = /embedded database: (postgres:\/\/\S+?),/.exec(this.out);
    if (!m) throw new Error(`no embedded database in the banner:\n${this.out}`);
    return m[1]!;
  }

  logsOf(msg: string, component?: string): LogLine[] {
    return this.logs.filter((l) => l.msg === msg && (component === undefined || l.component === component));
  }

  async waitForLog(what: string, pred: (l: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.logs.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline)
        throw new Error(
          `timed out waiting for ${what}; last logs:\n${this.logs
            .slice(-15)
            .map((l) => JSON.stringify(l))
            .join("\n")}`,
        );
      if (this.proc.exitCode !== null) throw new Error(`start exited (${this.proc.exitCode}) while waiting for ${what}`);
      await Bun.sleep(50);
    }
  }

  /** The postmaster pid of the embedded database (its postmaster.pid). */
  postgresPid(): number | undefined {
    try {
      return Number(readFileSync(join(this.dataDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0]) || undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Ctrl-C: returns the exit code once the launcher has stopped everything. `times` > 1 repeats the
   * signal 20 ms apart, as when `bun run start` passes on the terminal's Ctrl-C that the launcher also got.
   */
  async stop(signal: "SIGINT" | "SIGTERM" = "SIGINT", times = 1): Promise<number> {
    for (let i = 0; i < times; i++) {
      if (i) await Bun.sleep(20);
      this.proc.kill(signal);
    }
    const code = await this.proc.exited;
    await Promise.all(this.pumps);
    return code;
  }

  /** kill -9 of the launcher, its components and the embedded database (the whole stack dies at once). */
  async kill(): Promise<void> {
    const pids = [this.proc.pid, ...childrenOf(this.proc.pid), this.postgresPid()].filter((p): p is number => !!p);
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await this.proc.exited;
    await Promise.all(this.pumps);
  }

  /** Removes the throwaway DATA_DIR (after stop or kill; a database still running there is killed first). */
  async dispose(): Promise<void> {
    if (this.proc.exitCode === null) await this.kill();
    const pg = this.postgresPid();
    if (pg) {
      try {
        process.kill(pg, "SIGKILL");
      } catch {
        // gone
      }
    }
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function pump(stream: ReadableStream<Uint8Array>, onText: (t: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of stream) {
    pending += decoder.decode(chunk, { stream: true });
    const cut = pending.lastIndexOf("\n");
    if (cut < 0) continue;
    onText(pending.slice(0, cut + 1));
    pending = pending.slice(cut + 1);
  }
  if (pending) onText(pending);
}
