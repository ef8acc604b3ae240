import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Database, Queryable } from "../db/database.ts";
import { TollwayError } from "../errors/tollway-error.ts";
import { silentLogger, type Logger } from "../log/logger.ts";
import { appliedUnderCurrentNames, checkMigrationOrder, isTimescaleFile } from "./migration-order.ts";
import { decideTimescale, isNotPreloadedError, PRELOAD_SETTING, type TimescaleAvailability } from "./timescale-mode.ts";

/**
 * Applies sql/NNN_name.sql (portable core) and sql/NNN_name.timescale.sql (TimescaleDB layer) in one
 * order by file name, each file in its own transaction, recording name and checksum in
 * schema_migrations. A file already applied is skipped; one whose text changed since is an error,
 * because an applied migration is history. The order is a rule (migration-order.ts): a file added
 * with a number below one already applied is refused, so every database applies the same order.
 */
export interface MigratorOptions {
  db: Database;
  sqlDir: string;
  timescaledb: "auto" | "on" | "off";
  /** TOLL_TIMEZONE: set in the database after every run (sql/520), so SQL local days follow it. */
  tollTimezone: string;
  logger?: Logger;
}

export interface MigrationReport {
  applied: string[];
  skipped: number;
  timescaledb: boolean;
}

// Any number works as long as every migrator uses the same one.
const LOCK_KEY = 7_462_001;

export class Migrator {
  private readonly db: Database;
  private readonly sqlDir: string;
  private readonly mode: "auto" | "on" | "off";
  private readonly tollTimezone: string;
  private readonly logger: Logger;

  constructor(opts: MigratorOptions) {
    this.db = opts.db;
    this.sqlDir = opts.sqlDir;
    this.mode = opts.timescaledb;
    this.tollTimezone = opts.tollTimezone;
    this.logger = opts.logger ?? silentLogger;
    if (this.files().length === 0) throw new TollwayError("config", `no migrations found in ${opts.sqlDir}`);
  }

  files(): string[] {
    return readdirSync(this.sqlDir)
      .filter((f) => /^\d{3}_[a-z0-9_]+(\.timescale)?\.sql$/.test(f))
      .sort();
  }

  /** Whether the TimescaleDB layer applies on this server (creating the extension if needed). */
  async detectTimescale(q: Queryable = this.db): Promise<boolean> {
    if (this.mode === "off") return false;
    const decision = decideTimescale(this.mode, await this.timescaleAvailability(q));
    if (decision.warning) this.logger.warn(decision.warning, { setting: PRELOAD_SETTING });
    return decision.apply;
  }

  private async timescaleAvailability(q: Queryable): Promise<TimescaleAvailability> {
    if (await q.maybeOne("select 1 from pg_extension where extname = 'timescaledb'")) return "ready";
    if (!(await q.maybeOne("select 1 from pg_available_extensions where name = 'timescaledb'"))) return "absent";
    // The attempt is the test: shared_preload_libraries does not tell every server's truth (an
    // in-process build loads the library without listing it).
    try {
      await q.query("create extension if not exists timescaledb");
      return "ready";
    } catch (e) {
      if (isNotPreloadedError(e instanceof TollwayError ? (e.cause ?? e) : e)) return "not-preloaded";
      throw e;
    }
  }

  /** Hands TOLL_TIMEZONE to the database (sql/520), which rebuilds its local-day views when it changed. */
  private async setTollTimezone(q: Queryable & { tx<R>(fn: (tx: Queryable) => Promise<R>): Promise<R> }): Promise<void> {
    if (!(await q.maybeOne("select 1 from pg_proc where proname = 'set_toll_timezone'"))) return;
    const r = await q
      .tx((tx) => tx.one<{ changed: boolean }>("select set_toll_timezone($1) as changed", [this.tollTimezone]))
      .catch((e: unknown) => {
        throw new TollwayError("config", `TOLL_TIMEZONE ${this.tollTimezone} could not be set in the database: ${(e as Error).message}`, { cause: e });
      });
    if (r.changed) this.logger.info("toll time zone set in the database", { timeZone: this.tollTimezone });
  }

  async run(): Promise<MigrationReport> {
    // Everything runs on one pinned connection holding a session advisory lock, so two migrators
    // never interleave (and single-connection servers work).
    return this.db.session(async (s) => {
      await s.query("select pg_advisory_lock($1)", [LOCK_KEY]);
      try {
        await s.query(`create table if not exists schema_migrations (
          name text primary key, checksum text not null, applied_at timestamptz not null default now())`);
        const timescale = await this.detectTimescale(s);
        const done = appliedUnderCurrentNames(
          new Map((await s.query<{ name: string; checksum: string }>("select name, checksum from schema_migrations")).map((r) => [r.name, r.checksum])),
        );
        const files = this.files();
        const applying = files.filter((f) => timescale || !isTimescaleFile(f));
        checkMigrationOrder(files, applying, done);
        const applied: string[] = [];
        let skipped = 0;
        for (const file of applying) {
          const sql = readFileSync(join(this.sqlDir, file), "utf8");
          const checksum = createHash("sha256").update(sql).digest("hex");
          const previous = done.get(file);
          if (previous !== undefined) {
            if (previous !== checksum) {
              throw new TollwayError("config", `migration ${file} was changed after it was applied; add a new migration instead`);
            }
            skipped++;
            continue;
          }
          const started = performance.now();
          await s
            .tx(async (tx) => {
              await tx.query(sql);
              await tx.query("insert into schema_migrations (name, checksum) values ($1, $2)", [file, checksum]);
            })
            .catch((e: unknown) => {
              throw new TollwayError("database", `migration ${file} failed: ${(e as Error).message}`, { cause: e });
            });
          applied.push(file);
          this.logger.info("migration applied", { file, ms: Math.round(performance.now() - started) });
        }
        await this.setTollTimezone(s);
        return { applied, skipped, timescaledb: timescale };
      } finally {
        await s.query("select pg_advisory_unlock($1)", [LOCK_KEY]).catch(() => undefined);
      }
    });
  }
}

/** The sql/ folder of this checkout. */
export const defaultSqlDir = join(import.meta.dir, "..", "..", "sql");
