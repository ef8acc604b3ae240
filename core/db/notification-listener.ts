import type pg from "pg";
import { silentLogger, type Logger } from "../log/logger.ts";
import type { Database } from "./database.ts";

/**
 * LISTEN on one channel over a dedicated connection, for as long as the process runs. When the
 * connection drops it reconnects with backoff (0.1 s doubling to maxBackoffMs); notifications
 * sent meanwhile are lost, so `onGap` runs when listening stops and again when it resumes, and the
 * caller falls back to something correct without them (e.g. a short cache TTL) while `listening`
 * is false.
 */
export interface NotificationListenerOptions {
  channel: string;
  onNotify: (payload: string) => void;
  /** Listening stopped or resumed: notifications may have been missed. */
  onGap?: () => void;
  logger?: Logger;
  maxBackoffMs?: number;
}

export class NotificationListener {
  private client: pg.Client | undefined;
  private closed = false;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly logger: Logger;

  constructor(
    private readonly db: Database,
    private readonly opts: NotificationListenerOptions,
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(opts.channel)) throw new Error(`not a safe channel name: ${opts.channel}`);
    this.logger = (opts.logger ?? silentLogger).child({ channel: opts.channel });
  }

  get listening(): boolean {
    return this.client !== undefined;
  }

  /** Resolves after the first attempt (listening or not; later attempts run in the background). */
  async start(): Promise<void> {
    await this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    let client: pg.Client | undefined;
    try {
      client = await this.db.dedicatedConnection();
      client.on("notification", (m) => {
        if (m.channel === this.opts.channel) this.opts.onNotify(m.payload ?? "");
      });
      client.on("error", (err) => this.lost(client!, err));
      client.on("end", () => this.lost(client!, new Error("connection ended")));
      await client.query(`listen ${this.opts.channel}`);
      if (this.closed) {
        await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
      if (this.attempt > 0) this.logger.info("listening again", { attempts: this.attempt });
      this.attempt = 0;
      this.opts.onGap?.();
    } catch (err) {
      await client?.end().catch(() => undefined);
      this.retry(err);
    }
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.opts.onGap?.();
    if (this.closed) return;
    this.logger.warn("listen connection lost", { err: err.message });
    this.retry(err);
  }

  private retry(err: unknown): void {
    if (this.closed) return;
    const delay = Math.min(this.opts.maxBackoffMs ?? 5000, 100 * 2 ** this.attempt++);
    this.logger.warn("listen failed; retrying", { err: (err as Error).message, retryInMs: delay });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.connect(), delay);
  }
}
