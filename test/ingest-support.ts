import { silentLogger } from "../core/log/logger.ts";
import type { Database } from "../core/db/database.ts";
import { IngestService, type IngestServiceOptions } from "../ingest/service/ingest-service.ts";
import { Context, Dealer, Reactor, type DealerCurve, type Frame } from "../ingest/zmq/index.ts";
import type { Tr1Reply } from "../ingest/protocol/tr1.ts";

/** Helpers for the ingest integration tests (real sockets, real PostgreSQL). */

export async function startIngest(db: Database, opts: Partial<IngestServiceOptions> = {}): Promise<IngestService> {
  const s = new IngestService({ db, logger: silentLogger, bind: "tcp://127.0.0.1:*", duplicateWindowSeconds: 60, statsIntervalMs: 60_000, ...opts });
  await s.start();
  return s;
}

const text = new TextDecoder();

/** A raw DEALER for sending arbitrary (also malformed) frames and reading TR1 replies. */
export class RawGantry {
  private readonly ctx = Context.create();
  private readonly reactor = new Reactor();
  private readonly dealer: Dealer;
  readonly replies: Uint8Array[][] = [];

  constructor(endpoint: string, curve?: DealerCurve) {
    this.dealer = new Dealer(this.ctx, this.reactor, { endpoint, curve }, (f) => this.replies.push(f));
  }

  async send(frames: Frame[], timeoutMs = 5000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!this.dealer.send(frames)) {
      if (Date.now() > until) throw new Error("could not send (not connected)");
      await Bun.sleep(5);
    }
  }

  async next(timeoutMs = 10_000): Promise<Tr1Reply> {
    const until = Date.now() + timeoutMs;
    while (!this.replies.length) {
      if (Date.now() > until) throw new Error("no reply");
      await Bun.sleep(2);
    }
    const f = this.replies.shift()!;
    if (f.length !== 2 || text.decode(f[0]) !== "TR1") throw new Error("not a TR1 reply");
    return JSON.parse(text.decode(f[1])) as Tr1Reply;
  }

  async request(frames: Frame[]): Promise<Tr1Reply> {
    await this.send(frames);
    return this.next();
  }

  close(): void {
    this.dealer.close();
    this.reactor.stop();
    this.ctx.term();
  }
}

export function header(gantry: string, batch: number): string {
  return JSON.stringify({ gantry, batch, sent: new Date().toISOString() });
}

/** A deterministic 24-hex-digit tag for vehicle n. */
export const tagOf = (n: number): string => "E280" + n.toString(16).toUpperCase().padStart(20, "0");
