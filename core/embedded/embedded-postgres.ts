import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { silentLogger, type Logger } from "../log/logger.ts";

/**
 * The embedded default: PGlite (PostgreSQL in WASM) kept in a data folder and served over the
 * PostgreSQL wire protocol on a local port, so every component connects with the same `pg` code it
 * uses against a real server. PGlite runs one query at a time; the socket server queues the rest.
 */
export interface EmbeddedPostgresOptions {
  /** Folder for the database files; they survive restarts. Undefined keeps the data in memory. */
  dataDir: string | undefined;
  /** 0 picks a free port. */
  port: number;
  host?: string;
  logger?: Logger;
  /** A ready PGlite instance to serve instead of creating one (tests pass a TimescaleDB build). */
  instance?: unknown;
}

/** The subset of PGlite the socket server needs; both PGlite builds satisfy it. */
type ServablePGlite = ConstructorParameters<typeof PGLiteSocketServer>[0]["db"];

export class EmbeddedPostgres {
  private db: ServablePGlite | undefined;
  private server: PGLiteSocketServer | undefined;
  private readonly host: string;
  private readonly logger: Logger;

  constructor(private readonly opts: EmbeddedPostgresOptions) {
    this.host = opts.host ?? "127.0.0.1";
    this.logger = opts.logger ?? silentLogger;
  }

  async start(): Promise<string> {
    if (this.opts.dataDir) mkdirSync(this.opts.dataDir, { recursive: true });
    this.db = (this.opts.instance as ServablePGlite | undefined) ?? ((await PGlite.create(this.opts.dataDir ?? "memory://")) as ServablePGlite);
    this.server = new PGLiteSocketServer({ db: this.db, port: this.opts.port, host: this.host, maxConnections: 64 });
    await this.server.start();
    const url = this.url();
    this.logger.info("embedded database ready", { url, dataDir: this.opts.dataDir ?? "memory" });
    return url;
  }

  url(): string {
    const conn = this.server?.getServerConn();
    if (!conn) throw new Error("embedded database not started");
    return `postgres://postgres@${conn}/postgres?sslmode=disable`;
  }

  async stop(): Promise<void> {
    await this.server?.stop();
    if (!this.opts.instance) await (this.db as { close(): Promise<void> } | undefined)?.close();
    this.server = undefined;
    this.db = undefined;
  }
}
