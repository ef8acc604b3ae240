import { TollwayError } from "../../core/errors/tollway-error.ts";
import { MAX_BODY_BYTES, TR1, encodeHeader, replySchema, type Tr1Reply } from "../protocol/tr1.ts";
import { Context, Dealer, Reactor, type DealerCurve } from "../zmq/index.ts";

export interface GantryClientOptions {
  /** One ingest endpoint (same as `endpoints: [endpoint]`). */
  endpoint?: string;
  /**
   * Ingest endpoints in order of preference: the client stays on one while it answers and moves to
   * the next (round robin) when it stops answering (after `reconnectAfterTimeouts` timeouts).
   */
  endpoints?: readonly string[];
  gantryId: string;
  curve?: DealerCurve;
  /** Batches awaiting their ack at once (default 4). More calls to send() wait for a slot. */
  maxInFlight?: number;
  /** Resend a batch not acknowledged within this time (default 3000 ms). */
  ackTimeoutMs?: number;
  /**
   * After this many timeouts in a row the socket is replaced, connected to the next endpoint
   * (default 2). A batch that could not even be queued (no connection) for `ackTimeoutMs` counts
   * as a timeout too. With several endpoints, a timeout whose resend finds no connection at all
   * (the instance died: its connection is gone) moves on at once.
   */
  reconnectAfterTimeouts?: number;
  /** Share one context/reactor between many clients (the caller then terms/stops them). */
  context?: Context;
  reactor?: Reactor;
  /** Called on every resend/reconnect, for logs and tests. */
  onEvent?: (e: { kind: "resend" | "reconnect" | "failover" | "unexpected-reply"; batch?: number; endpoint?: string }) => void;
}

export interface BatchResult {
  reply: Tr1Reply;
  /** Times the batch was sent (1 = no resend). */
  attempts: number;
  /** From the first send to the reply. */
  latencyMs: number;
}

interface Pending {
  batch: number;
  frames: [string, string, string | Uint8Array];
  firstSent: number;
  deadline: number;
  attempts: number;
  queued: boolean;
  resolve: (r: BatchResult) => void;
  reject: (e: Error) => void;
}

const text = new TextDecoder();

/**
 * A TR1 gantry: sends batches to the ingest over a DEALER socket and resolves each with its ack.
 * Lazy Pirate: a batch without an ack after `ackTimeoutMs` is sent again with the same batch number
 * (the ingest answers `duplicate` if it had committed it), and after repeated timeouts the socket
 * is closed and reopened. Several batches may be in flight; acks are matched by batch number.
 *
 * Failover (the Guide's Lazy Pirate with several servers, the client side of Binary Star): given
 * several endpoints, the reopened socket connects to the next one, and every unacked batch goes
 * there again, in send order, with the same batch numbers. The ingest instances share one
 * database, so a batch the old one had committed is answered `duplicate` (success) and one it had
 * not is stored once: the TR1 contract is unchanged. The client stays where it is answered.
 */
export class GantryClient {
  private readonly ctx: Context;
  private readonly reactor: Reactor;
  private readonly ownsContext: boolean;
  private dealer: Dealer;
  private readonly pending = new Map<number, Pending>();
  private readonly waiting: (() => void)[] = [];
  private readonly timer: ReturnType<typeof setInterval>;
  private timeoutsInARow = 0;
  private closed = false;
  private lastBatch = 0;
  private readonly endpoints: readonly string[];
  private current = 0;
  readonly maxInFlight: number;
  readonly ackTimeoutMs: number;
  stats = { sent: 0, resends: 0, reconnects: 0, failovers: 0, acked: 0 };

  constructor(private readonly opts: GantryClientOptions) {
    this.endpoints = opts.endpoints?.length ? [...opts.endpoints] : opts.endpoint ? [opts.endpoint] : [];
    if (!this.endpoints.length) throw new TollwayError("bad_request", "GantryClient needs an endpoint (endpoint or endpoints)");
    this.ownsContext = !opts.context;
    this.ctx = opts.context ?? Context.create();
    this.reactor = opts.reactor ?? new Reactor();
    this.maxInFlight = opts.maxInFlight ?? 4;
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 3000;
    this.dealer = this.open();
    this.timer = setInterval(() => this.tick(), Math.max(5, Math.min(50, this.ackTimeoutMs / 4)));
  }

  get gantryId(): string {
    return this.opts.gantryId;
  }

  /** The endpoint the client sends to now. */
  get endpoint(): string {
    return this.endpoints[this.current]!;
  }

  /** Batches sent and not yet acknowledged. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** The next batch number after the largest one used so far (start at 1). */
  nextBatchNo(): number {
    return this.lastBatch + 1;
  }

  /**
   * Sends a batch and resolves with its ack (any status). `body` is the reads as a JSON array (text,
   * or already UTF-8 encoded) or as objects. Waits first while `maxInFlight` batches are unacknowledged.
   */
  async send(batch: number, body: string | Uint8Array | readonly object[], sent: Date = new Date()): Promise<BatchResult> {
    if (!Number.isSafeInteger(batch) || batch <= 0) throw new TollwayError("bad_request", `batch must be a positive integer, got ${batch}`);
    while (this.pending.size >= this.maxInFlight && !this.closed) await new Promise<void>((r) => this.waiting.push(r));
    if (this.closed) throw new TollwayError("internal", "gantry client closed");
    if (this.pending.has(batch)) throw new TollwayError("conflict", `batch ${batch} is already in flight`);
    this.lastBatch = Math.max(this.lastBatch, batch);
    const header = encodeHeader({ gantry: this.opts.gantryId, batch, sent: sent.toISOString() });
    const frames: [string, string, string | Uint8Array] = [TR1, header, typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body)];
    // The ingest would answer "rejected" (or, past its frame limit, drop the connection and leave
    // this batch to be resent forever): refuse it here, where the caller can split it.
    const size = typeof frames[2] === "string" ? Buffer.byteLength(frames[2]) : frames[2].length;
    if (size > MAX_BODY_BYTES) throw new TollwayError("bad_request", `batch ${batch}: body of ${size} bytes is over the TR1 limit of ${MAX_BODY_BYTES}`);
    return new Promise<BatchResult>((resolve, reject) => {
      const now = performance.now();
      const p: Pending = { batch, frames, firstSent: now, deadline: now + this.ackTimeoutMs, attempts: 0, queued: false, resolve, reject };
      this.pending.set(batch, p);
      this.transmit(p);
    });
  }

  /** Stops resending; pending sends are rejected. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.dealer.close();
    for (const p of this.pending.values()) p.reject(new TollwayError("internal", `gantry client closed with batch ${p.batch} unacknowledged`));
    this.pending.clear();
    for (const w of this.waiting.splice(0)) w();
    if (this.ownsContext) {
      this.reactor.stop();
      this.ctx.term();
    }
  }

  private open(): Dealer {
    return new Dealer(this.ctx, this.reactor, { endpoint: this.endpoint, curve: this.opts.curve, reconnectIntervalMs: 100 }, (f) => this.onReply(f));
  }

  private transmit(p: Pending): void {
    if (this.dealer.send(p.frames)) {
      p.queued = false;
      p.attempts++;
      this.stats.sent++;
      p.deadline = performance.now() + this.ackTimeoutMs;
      return;
    }
    // Not connected (or HWM): what went out on the lost connection may be lost too. Queue every
    // unacked batch so they all go again, in send order, when the connection is back (the ingest
    // answers "duplicate" for those it had committed). In-order arrival keeps antenna-duplicate
    // merging across batch boundaries exact.
    for (const q of this.pending.values()) q.queued = true;
  }

  /** Sends queued batches in order, stopping at the first that cannot go. */
  private flushQueued(): void {
    for (const p of this.pending.values()) {
      if (!p.queued) continue;
      this.transmit(p);
      if (p.queued) return;
    }
  }

  private onReply(frames: Uint8Array[]): void {
    let reply: Tr1Reply;
    try {
      if (frames.length !== 2 || text.decode(frames[0]) !== TR1) throw new Error("not a TR1 reply");
      reply = replySchema.parse(JSON.parse(text.decode(frames[1]))) as Tr1Reply;
    } catch {
      this.opts.onEvent?.({ kind: "unexpected-reply" });
      return;
    }
    const p = reply.batch === null ? undefined : this.pending.get(reply.batch);
    if (!p) return; // a late ack for a batch already settled by an earlier copy
    this.pending.delete(p.batch);
    this.timeoutsInARow = 0;
    this.stats.acked++;
    p.resolve({ reply, attempts: p.attempts, latencyMs: performance.now() - p.firstSent });
    this.waiting.shift()?.();
  }

  private tick(): void {
    if (this.closed) return;
    const now = performance.now();
    // Flush first: a batch that goes out now gets a fresh deadline.
    this.flushQueued();
    let timedOut = false;
    // Sent and not acked in time, or not even sent (no connection) in that time: both say the
    // endpoint does not answer. A batch still unsent waits a full timeout again before it counts again.
    for (const p of this.pending.values())
      if (now >= p.deadline) {
        timedOut = true;
        if (p.queued) p.deadline = now + this.ackTimeoutMs;
      }
    if (!timedOut) return;
    this.timeoutsInARow++;
    if (this.timeoutsInARow < (this.opts.reconnectAfterTimeouts ?? 2)) {
      // Everything from the first timed-out batch on goes again, in send order.
      let resend = false;
      for (const p of this.pending.values()) {
        if (!p.queued && now >= p.deadline) resend = true;
        if (resend && !p.queued) {
          this.stats.resends++;
          this.opts.onEvent?.({ kind: "resend", batch: p.batch });
          p.queued = true;
        }
      }
      this.flushQueued();
      // Still unsent: not even connected (a dead instance's connection is gone at once). With
      // another endpoint to go to, waiting for more timeouts would only delay the failover.
      if (this.endpoints.length === 1 || ![...this.pending.values()].some((p) => p.queued)) return;
    }
    this.reconnect(now);
  }

  /**
   * The server may be gone for good on this connection: a fresh socket, on the next endpoint when
   * there are several, and everything unacked goes again in send order. The new endpoint gets a
   * full ack timeout (to connect, too) before it counts as not answering.
   */
  private reconnect(now: number): void {
    this.timeoutsInARow = 0;
    this.stats.reconnects++;
    this.opts.onEvent?.({ kind: "reconnect" });
    this.dealer.close();
    if (this.endpoints.length > 1) {
      this.current = (this.current + 1) % this.endpoints.length;
      this.stats.failovers++;
      this.opts.onEvent?.({ kind: "failover", endpoint: this.endpoint });
    }
    this.dealer = this.open();
    for (const p of this.pending.values()) {
      p.queued = true;
      p.deadline = now + this.ackTimeoutMs;
    }
    this.flushQueued();
  }
}
