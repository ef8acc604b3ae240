import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { TollwayError } from "../errors/tollway-error.ts";
import { silentLogger, type Logger } from "../log/logger.ts";
import { multiHostClient, parseDatabaseUrl } from "./multi-host.ts";

/**
 * The one database access layer: every module that talks to PostgreSQL goes through a Database.
 * It owns the pool, transactions, and bulk writes (COPY; unnest inserts for a server without
 * COPY FROM STDIN, which only the in-process TimescaleDB test server is).
 */

export type Row = Record<string, unknown>;

/** A column for bulk writes: its name and the PostgreSQL type its values are cast to. */
export interface BulkColumn {
  name: string;
  type: string;
}

/** How bulk writes travel: COPY FROM STDIN, or unnest inserts where the server has no COPY. */
export type BulkMode = "copy" | "unnest";

export interface Queryable {
  readonly bulkMode: BulkMode;
  query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
  one<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T>;
  maybeOne<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T | undefined>;
  /** Appends rows to a table in one round trip; values are in `columns` order. */
  bulkInsert(table: string, columns: readonly BulkColumn[], rows: readonly (readonly unknown[])[]): Promise<number>;
  /** COPY of rows already encoded (text, or binary from BinaryCopyWriter), inside a transaction, bulkMode "copy" only (see Session.copyEncoded). */
  copyEncoded(table: string, columns: readonly string[], chunks: readonly (string | Uint8Array)[], opts?: CopyEncodedOptions): Promise<void>;
}

export interface CopyEncodedOptions {
  /** The chunks are binary COPY format (core/db/copy-binary.ts); default text. */
  binary?: boolean;
  timeoutMs?: number;
}

export interface DatabaseOptions {
  url: string;
  max?: number;
  logger?: Logger;
  applicationName?: string;
  /**
   * "copy" (default): every PostgreSQL server. "unnest": for a server that speaks the wire protocol
   * without COPY FROM STDIN (the PGlite TimescaleDB build the tests serve over a socket).
   */
  bulkMode?: BulkMode;
  /** Milliseconds to wait for a connection before failing. */
  connectTimeoutMs?: number;
  /**
   * Client-side limit for each query (pg's query_timeout). A connection the server dropped while
   * the client was sending can otherwise leave a query waiting forever; services that must recover
   * on their own (the ingest) set it. Unset: no limit.
   */
  queryTimeoutMs?: number;
}

// int8 and numeric arrive as strings by default. Our int8 values are money in minor units and counts,
// far below 2^53, so they are parsed as numbers; numeric is used for km and ratios.
const TYPE_INT8 = 20;
const TYPE_NUMERIC = 1700;
const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (oid === TYPE_INT8 || oid === TYPE_NUMERIC) return (v: string) => (v === null ? null : Number(v));
    return pg.types.getTypeParser(oid, format as "text");
  }) as pg.CustomTypesConfig["getTypeParser"],
};

const identifier = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;
const columnType = /^[a-z_][a-z0-9_ ]*(\(\d+(,\s*\d+)?\))?$/;

function assertIdentifier(name: string): string {
  if (!identifier.test(name)) throw new TollwayError("internal", `not a safe SQL identifier: ${name}`);
  return name;
}

/** Encodes one value for COPY text format. */
function copyText(v: unknown): string {
  if (v === null || v === undefined) return "\\N";
  let s: string;
  if (v instanceof Date) s = v.toISOString();
  else if (typeof v === "object") s = JSON.stringify(v);
  else s = String(v);
  // Only escape when needed: most values are plain.
  if (/[\\\t\n\r]/.test(s)) s = s.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
  return s;
}

/** COPY text of rows in chunks of ~64 KiB: few syscalls, never all rows as one string. */
function* copyTextChunks(rows: readonly (readonly unknown[])[]): Generator<string> {
  let chunk = "";
  for (const r of rows) {
    let line = "";
    for (let i = 0; i < r.length; i++) line += (i ? "\t" : "") + copyText(r[i]);
    chunk += line + "\n";
    if (chunk.length > 65536) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk) yield chunk;
}

/** Streams COPY data on a connection; the one place that writes COPY (bulkInsert and copyEncoded). */
async function streamCopy(client: pg.PoolClient, sql: string, chunks: Iterable<string | Uint8Array>, timeoutMs?: number): Promise<void> {
  const stream = client.query(copyFrom(sql));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const done = new Promise<void>((resolve, reject) => {
    stream.on("finish", resolve);
    stream.on("error", reject);
    // A server that goes away mid-COPY can leave the socket waiting forever for a drain that
    // never comes: after timeoutMs the connection is destroyed, which fails the COPY (and the
    // transaction) as a lost connection the caller can retry.
    if (timeoutMs)
      timer = setTimeout(() => {
        const err = new Error(`Connection terminated: COPY did not finish within ${timeoutMs} ms`);
        (client as unknown as { connection?: { stream?: { destroy(e?: Error): void } } }).connection?.stream?.destroy(err);
        reject(err);
      }, timeoutMs);
  }).finally(() => clearTimeout(timer));
  try {
    // A failing COPY never drains: wait for whichever comes first.
    for (const c of chunks) {
      const data = typeof c === "string" ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
      if (!stream.write(data)) await Promise.race([new Promise((res) => stream.once("drain", res)), done]);
    }
    stream.end();
    await done;
  } catch (e) {
    throw wrapPgError(e, sql);
  }
}

function unnestValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (v !== null && typeof v === "object" && !(v instanceof Date)) return JSON.stringify(v);
  return v;
}

class Session implements Queryable {
  constructor(
    protected readonly client: pg.PoolClient | pg.Pool,
    readonly bulkMode: BulkMode,
  ) {}

  async query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]> {
    try {
      const res = await this.client.query(text, params as unknown[] | undefined);
      return res.rows as T[];
    } catch (e) {
      throw wrapPgError(e, text);
    }
  }

  async one<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T> {
    const rows = await this.query<T>(text, params);
    if (rows.length !== 1) throw new TollwayError("internal", `expected one row, got ${rows.length}: ${text.slice(0, 80)}`);
    return rows[0]!;
  }

  async maybeOne<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T | undefined> {
    const rows = await this.query<T>(text, params);
    return rows[0];
  }

  async bulkInsert(table: string, columns: readonly BulkColumn[], rows: readonly (readonly unknown[])[]): Promise<number> {
    if (rows.length === 0) return 0;
    assertIdentifier(table);
    for (const c of columns) {
      assertIdentifier(c.name);
      if (!columnType.test(c.type)) throw new TollwayError("internal", `not a safe column type: ${c.type}`);
    }
    if (this.bulkMode === "copy" && "release" in this.client) return this.copy(this.client, table, columns, rows);
    if (this.bulkMode === "copy") {
      const c = await (this.client as pg.Pool).connect();
      try {
        return await this.copy(c, table, columns, rows);
      } finally {
        c.release();
      }
    }
    return this.unnest(table, columns, rows);
  }

  /**
   * COPY of rows the caller already encoded, for hot paths that build the data themselves: COPY
   * text (tab-separated, `\N` for null, escaped), or with `binary` the binary format of
   * BinaryCopyWriter. With bulkMode "unnest" callers use bulkInsert instead.
   */
  async copyEncoded(table: string, columns: readonly string[], chunks: readonly (string | Uint8Array)[], opts: CopyEncodedOptions = {}): Promise<void> {
    assertIdentifier(table);
    for (const c of columns) assertIdentifier(c);
    if (!("release" in this.client)) throw new TollwayError("internal", "copyEncoded runs inside a transaction");
    if (this.bulkMode !== "copy") throw new TollwayError("internal", "copyEncoded needs a server with COPY FROM STDIN (bulkMode copy)");
    await streamCopy(this.client, `COPY ${table} (${columns.join(",")}) FROM STDIN${opts.binary ? " (FORMAT binary)" : ""}`, chunks, opts.timeoutMs);
  }

  private async copy(client: pg.PoolClient, table: string, columns: readonly BulkColumn[], rows: readonly (readonly unknown[])[]) {
    await streamCopy(client, `COPY ${table} (${columns.map((c) => c.name).join(",")}) FROM STDIN`, copyTextChunks(rows));
    return rows.length;
  }

  private async unnest(table: string, columns: readonly BulkColumn[], rows: readonly (readonly unknown[])[]) {
    const arrays = columns.map((_, i) => rows.map((r) => unnestValue(r[i])));
    const sql = `INSERT INTO ${table} (${columns.map((c) => c.name).join(",")}) SELECT * FROM unnest(${columns
      .map((c, i) => `$${i + 1}::${c.type}[]`)
      .join(",")})`;
    await this.query(sql, arrays);
    return rows.length;
  }
}

export class Database extends Session {
  readonly pool: pg.Pool;
  readonly logger: Logger;

  constructor(opts: DatabaseOptions) {
    if (!opts.url) throw new TollwayError("config", "Database needs a connection URL");
    const target = parseDatabaseUrl(opts.url);
    const connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    // One host and any server: pg's own client. Otherwise libpq's host walk (multi-host.ts).
    const single = target.hosts.length === 1 && target.targetSessionAttrs === "any";
    const pool = new pg.Pool({
      connectionString: single ? opts.url : target.urlFor(target.hosts[0]!),
      ...(single ? {} : { Client: multiHostClient(target, Math.max(1000, Math.floor(connectTimeoutMs / target.hosts.length))) }),
      max: opts.max ?? 10,
      application_name: opts.applicationName ?? "tollway",
      connectionTimeoutMillis: connectTimeoutMs,
      ...(opts.queryTimeoutMs ? { query_timeout: opts.queryTimeoutMs } : {}),
      types: typeParsers,
    });
    const logger = opts.logger ?? silentLogger;
    super(pool, opts.bulkMode ?? "copy");
    this.pool = pool;
    this.logger = logger;
    // A server restart kills idle clients; without a listener that error would crash the process.
    pool.on("error", (err) => logger.warn("idle database connection lost", { err: err.message }));
  }

  /** Runs fn in one transaction; commits when it resolves, rolls back when it throws. */
  async tx<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw wrapPgError(e, "connect");
    }
    const session = new Session(client, this.bulkMode);
    // A checked-out client whose server goes away emits 'error' even while no query runs (the
    // transaction is waiting on the caller); unheard, that event would crash the process. The next
    // query on the client fails instead, and the transaction rolls back below.
    let lost: Error | undefined;
    const onError = (err: Error) => {
      lost = err;
      this.logger.warn("database connection lost during a transaction", { err: err.message });
    };
    client.on("error", onError);
    try {
      await client.query("BEGIN");
      const result = await fn(session);
      await client.query("COMMIT");
      client.off("error", onError);
      client.release();
      return result;
    } catch (e) {
      // A broken connection must not go back to the pool, nor one to a server that became a
      // standby (25006) or is shutting down: the next connection finds the primary.
      let broken: Error | undefined = lost ?? (isTransientDbError(e) ? (e as Error) : undefined);
      try {
        await client.query("ROLLBACK");
      } catch (rollbackError) {
        broken = rollbackError as Error;
      }
      client.off("error", onError);
      client.release(broken);
      throw e instanceof TollwayError ? e : wrapPgError(e, "transaction");
    }
  }

  /**
   * Runs fn on one pinned connection (session state such as advisory locks stays with it).
   * `tx` inside the session runs BEGIN/COMMIT on that same connection.
   */
  async session<T>(fn: (s: Queryable & { tx<R>(f: (tx: Queryable) => Promise<R>): Promise<R> }) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw wrapPgError(e, "connect");
    }
    const pinned = new Session(client, this.bulkMode);
    const api = Object.assign(pinned, {
      tx: async <R>(f: (tx: Queryable) => Promise<R>): Promise<R> => {
        await client.query("BEGIN");
        try {
          const r = await f(pinned);
          await client.query("COMMIT");
          return r;
        } catch (e) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw e;
        }
      },
    });
    let broken: Error | undefined;
    try {
      return await fn(api);
    } catch (e) {
      if (isTransientDbError(e)) broken = e as Error;
      throw e;
    } finally {
      client.release(broken);
    }
  }

  /**
   * A connection outside the pool (same URL, host walk and options), for what lives as long as the
   * process on one session: LISTEN, a leader's advisory lock. The caller ends it.
   */
  async dedicatedConnection(): Promise<pg.Client> {
    const pool = this.pool as unknown as { Client: typeof pg.Client; options: pg.ClientConfig };
    const client = new pool.Client(pool.options);
    try {
      await client.connect();
    } catch (e) {
      await client.end().catch(() => undefined);
      throw wrapPgError(e, "connect");
    }
    return client;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * Codes for connection loss and server shutdown: the caller may retry. 25006 (read-only
 * transaction) is a primary that became a standby in a failover: the connection is discarded and
 * the retry reaches the new primary.
 */
const TRANSIENT = new Set(["57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004", "53300", "25006"]);

export function isTransientDbError(e: unknown): boolean {
  const err = (e instanceof TollwayError ? e.cause : e) as { code?: string; message?: string } | undefined;
  if (!err) return false;
  if (err.code && TRANSIENT.has(err.code)) return true;
  return /ECONNREFUSED|ECONNRESET|EPIPE|Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout/i.test(
    err.message ?? "",
  );
}

function wrapPgError(e: unknown, text: string): TollwayError {
  if (e instanceof TollwayError) return e;
  const err = e as { code?: string; message?: string; detail?: string; constraint?: string };
  const transient = isTransientDbError(err);
  const code = transient ? "database" : err.code === "23505" ? "conflict" : "internal";
  return new TollwayError(code, `${err.message ?? String(e)}${err.detail ? ` (${err.detail})` : ""} [${text.slice(0, 60).replace(/\s+/g, " ")}]`, {
    cause: e,
  });
}

/** The SQLSTATE of a database error wrapped by this layer, if any. */
export function sqlState(e: unknown): string | undefined {
  const cause = e instanceof TollwayError ? e.cause : e;
  return (cause as { code?: string } | undefined)?.code;
}
