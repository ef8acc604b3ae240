import type pg from "pg";
import { silentLogger, type Logger } from "../log/logger.ts";
import type { Database } from "./database.ts";

/**
 * Leadership among instances of one component: a session-level `pg_try_advisory_lock(key)` held on a
 * dedicated connection. Only the holder runs the jobs; the lock goes with the session, so when the
 * holder dies (kill -9, lost connection) the server releases it and another instance takes it at
 * its next `hold()`. Each `hold()` first proves the connection alive, so a holder whose session
 * is gone never runs a job on the strength of a lock it no longer has.
 */
export interface LeaderLeaseOptions {
  /** The advisory lock key: one per kind of job (see LEASE_KEYS). */
  key: number;
  name: string;
  logger?: Logger;
}

/** Lock keys of the leases; the migrator's 7_462_001 stays apart. */
export const LEASE_KEYS = { control: 7_462_101, settlement: 7_462_102 } as const;

export class LeaderLease {
  private client: pg.Client | undefined;
  private held = false;
  private checking: Promise<boolean> | undefined;
  private readonly logger: Logger;

  constructor(
    private readonly db: Database,
    private readonly opts: LeaderLeaseOptions,
  ) {
    this.logger = (opts.logger ?? silentLogger).child({ lease: opts.name });
  }

  /**
   * Whether this instance leads now (taking the lock when it is free). Never throws. Schedulers
   * sharing the lease may ask at once: they share one check (one connection, one lock).
   */
  hold(): Promise<boolean> {
    this.checking ??= this.check().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async check(): Promise<boolean> {
    try {
      if (!this.client) {
        const c = await this.db.dedicatedConnection();
        c.on("error", () => this.drop(c));
        c.on("end", () => this.drop(c));
        this.client = c;
      }
      if (this.held) {
        await this.client.query("select 1");
        return true;
      }
      const r = await this.client.query<{ ok: boolean }>("select pg_try_advisory_lock($1) as ok", [this.opts.key]);
      this.held = r.rows[0]?.ok === true;
      if (this.held) this.logger.info("leading: this instance runs the jobs");
      return this.held;
    } catch (e) {
      if (this.client) this.drop(this.client);
      this.logger.warn("leader lease connection failed; not leading until it is back", { err: (e as Error).message });
      return false;
    }
  }

  get leading(): boolean {
    return this.held;
  }

  async close(): Promise<void> {
    await this.checking;
    const c = this.client;
    const held = this.held;
    this.client = undefined;
    this.held = false;
    // Released before the session ends: the server frees a session's locks only when its backend
    // has exited, a moment after end() returns, and another instance may ask right away.
    if (c && held) await c.query("select pg_advisory_unlock($1)", [this.opts.key]).catch(() => undefined);
    await c?.end().catch(() => undefined);
  }

  private drop(c: pg.Client): void {
    if (this.client !== c) return;
    if (this.held) this.logger.warn("lost the leader lease with its connection");
    this.client = undefined;
    this.held = false;
    void c.end().catch(() => undefined);
  }
}
