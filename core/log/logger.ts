/**
 * Structured JSON-lines logger: one object per line on stderr, so stdout stays free for
 * command results (keys, JSON benchmark lines) that scripts read.
 */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  bindings?: Record<string, unknown>;
  /** Where lines go; tests pass an array sink. */
  write?: (line: string) => void;
}

const errorFields = (v: unknown): unknown =>
  v instanceof Error ? { name: v.name, message: v.message, stack: v.stack?.split("\n").slice(0, 6).join("\n") } : v;

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? "info";
  const bindings = opts.bindings ?? {};
  const write = opts.write ?? ((line: string) => process.stderr.write(line + "\n"));
  const emit = (lvl: Exclude<LogLevel, "silent">, msg: string, fields?: Record<string, unknown>) => {
    if (RANK[lvl] < RANK[level]) return;
    const rec: Record<string, unknown> = { t: new Date().toISOString(), level: lvl, msg, ...bindings };
    if (fields) for (const [k, v] of Object.entries(fields)) rec[k] = errorFields(v);
    write(JSON.stringify(rec));
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (b) => createLogger({ level, write, bindings: { ...bindings, ...b } }),
  };
}

/** For tests and library callers that do not care about logs. */
export const silentLogger: Logger = createLogger({ level: "silent" });
