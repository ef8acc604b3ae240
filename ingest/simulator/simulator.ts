import { silentLogger, type Logger } from "../../core/log/logger.ts";
import { GantryClient, type BatchResult } from "../gantry-client/index.ts";
import { Context, Reactor, type DealerCurve } from "../zmq/index.ts";
import type { Outbox, OutboxEntry } from "./outbox.ts";
import type { SimulatedRead, WireRead } from "./simulated-read.ts";

/**
 * Streams simulated reads to the ingest the way gantries do: one DEALER (GantryClient, Lazy Pirate)
 * per gantry, reads collected per gantry into TR1 batches, every batch written to the durable
 * outbox before it is sent and marked there when acked. Paces simulated time against the wall
 * clock by `acceleration` (Infinity: as fast as acks allow).
 */
export interface SimulatorOptions {
  /** The ingest, or several instances in order: each gantry moves to the next when one stops answering. */
  endpoint: string | readonly string[];
  /** Reads in simulated-time order (TrafficModel.reads()). */
  reads: Iterator<SimulatedRead>;
  /** Simulated time at the start of the run (the model's startMs). */
  simStartMs: number;
  outbox: Outbox;
  /** Simulated ms per real ms (1: real time). Infinity: no pacing. */
  acceleration?: number;
  /** Largest batch (default 500 reads, TR1 allows 10 000). */
  maxBatchReads?: number;
  /** A gantry sends what it has collected at least this often, real time (default 1000 ms). */
  flushIntervalMs?: number;
  /**
   * Batches awaiting an ack per gantry (default 1: each gantry's batches reach the ingest strictly
   * in order; with more, a batch can overtake its predecessor right after a (re)connect, and the
   * ingest then keeps an antenna duplicate's later ts as the passage time).
   */
  maxInFlight?: number;
  ackTimeoutMs?: number;
  /** Generation pauses while this many batches wait for an ack in total (bounded memory; default 4000). */
  maxOutstandingBatches?: number;
  /** CURVE: the server key and each gantry's key pair. */
  curve?: { serverKey: string; keyPair(gantryId: string): { publicKey: string; secretKey: string } };
  logger?: Logger;
  progressIntervalMs?: number;
  /** On stop: how long to wait for outstanding acks before closing (default 5000 ms). */
  drainTimeoutMs?: number;
  /** Real clock (tests may pass their own). */
  now?: () => number;
}

export interface SimulatorSummary {
  readsGenerated: number;
  /** Reads in batches created by this run (each counted once, however often resent). */
  readsSent: number;
  /** Reads in batches the ingest answered (ok or duplicate). */
  readsAcked: number;
  readsAccepted: number;
  readsRejected: number;
  batchesSent: number;
  batchesAcked: number;
  /** Batches answered `duplicate`: committed before (a resend after a lost ack, or a restart). */
  duplicateBatches: number;
  /**
   * Of those, batches answered `duplicate` on their very first send: their number was used before
   * by someone else (e.g. an outbox deleted while the database kept its batches), so the ingest
   * stored none of their reads.
   */
  numberCollisions: number;
  rejectedBatches: number;
  resends: number;
  reconnects: number;
  /** Unacked batches from a previous run, resent with their numbers. */
  resumedBatches: number;
  /** Batches still unacked at the end (kept in the outbox for the next run). */
  unackedBatches: number;
  simulatedMs: number;
  elapsedMs: number;
  ackLatencyP50Ms: number;
  ackLatencyP99Ms: number;
}

export class Simulator {
  private readonly ctx = Context.create();
  // Idle polls of 339 sockets cost CPU; 20 ms more latency on an ack costs nothing here.
  private readonly reactor = new Reactor(20);
  private readonly clients = new Map<string, GantryClient>();
  private readonly buffers = new Map<string, { reads: WireRead[]; since: number }>();
  private outstanding = 0;
  private readonly waiters: (() => void)[] = [];
  private stopping = false;
  private wakeMain: (() => void) | undefined;
  private readonly latencies: number[] = [];
  private readonly now: () => number;
  private simNowMs: number;
  readonly summary: SimulatorSummary = {
    readsGenerated: 0,
    readsSent: 0,
    readsAcked: 0,
    readsAccepted: 0,
    readsRejected: 0,
    batchesSent: 0,
    batchesAcked: 0,
    duplicateBatches: 0,
    numberCollisions: 0,
    rejectedBatches: 0,
    resends: 0,
    reconnects: 0,
    resumedBatches: 0,
    unackedBatches: 0,
    simulatedMs: 0,
    elapsedMs: 0,
    ackLatencyP50Ms: 0,
    ackLatencyP99Ms: 0,
  };

  constructor(private readonly o: SimulatorOptions) {
    this.now = o.now ?? (() => performance.now());
    this.simNowMs = o.simStartMs;
  }

  /** Asks a running `run()` to stop: flush, wait for acks (bounded), close. */
  stop(): void {
    this.stopping = true;
    this.wakeMain?.();
  }

  async run(): Promise<SimulatorSummary> {
    const log = this.o.logger ?? silentLogger;
    const accel = this.o.acceleration ?? 1;
    const maxBatch = this.o.maxBatchReads ?? 500;
    const flushMs = this.o.flushIntervalMs ?? 1000;
    const maxOutstanding = this.o.maxOutstandingBatches ?? 4000;
    const wallStart = this.now();
    let lastProgress = wallStart;

    // A previous run's unacknowledged batches go first, with their own numbers.
    for (const gantryId of this.o.outbox.gantriesOnDisk()) {
      const pending = this.o.outbox.gantry(gantryId).pending();
      if (pending.length === 0) continue;
      log.info("resending unacknowledged batches from the outbox", { gantry: gantryId, batches: pending.length, first: pending[0]!.batch });
      for (const e of pending) {
        this.summary.resumedBatches++;
        this.transmit(gantryId, e, true);
      }
    }

    let next = this.o.reads.next();
    while (!this.stopping) {
      const realNow = this.now();
      const simNow = accel === Infinity ? Infinity : this.o.simStartMs + (realNow - wallStart) * accel;
      let taken = 0;
      while (!next.done && next.value.tsMs <= simNow && this.outstanding < maxOutstanding && taken < 20_000) {
        const r = next.value;
        this.simNowMs = r.tsMs;
        let buf = this.buffers.get(r.gantryId);
        if (!buf) this.buffers.set(r.gantryId, (buf = { reads: [], since: realNow }));
        if (buf.reads.length === 0) buf.since = realNow;
        buf.reads.push(r.read);
        this.summary.readsGenerated++;
        if (buf.reads.length >= maxBatch) this.flush(r.gantryId);
        taken++;
        next = this.o.reads.next();
      }
      if (accel !== Infinity && simNow !== Infinity) this.simNowMs = Math.max(this.simNowMs, Math.min(simNow, next.done ? simNow : next.value.tsMs));
      const finished = next.done === true;
      for (const [gantryId, buf] of this.buffers) {
        if (buf.reads.length > 0 && (finished || accel === Infinity || realNow - buf.since >= flushMs)) this.flush(gantryId);
      }
      if (realNow - lastProgress >= (this.o.progressIntervalMs ?? 10_000)) {
        lastProgress = realNow;
        log.info("progress", this.progress());
      }
      if (finished) break;
      if (this.outstanding >= maxOutstanding) await this.waitForAck();
      else if (taken >= 20_000) await new Promise<void>((r) => setImmediate(r));
      else {
        // Sleep until the next read is due (or a flush is), interruptible by stop().
        const dueIn = accel === Infinity ? 0 : (next.value!.tsMs - simNow) / accel;
        await this.sleep(Math.max(1, Math.min(dueIn, flushMs / 2, 250)));
      }
    }
    // Flush what was collected, then give outstanding batches a bounded time to be acked.
    for (const gantryId of this.buffers.keys()) this.flush(gantryId);
    const deadline = this.now() + (this.o.drainTimeoutMs ?? (this.stopping ? 5000 : 600_000));
    while (this.outstanding > 0 && this.now() < deadline) await Promise.race([this.waitForAck(), Bun.sleep(100)]);
    this.close();
    this.summary.elapsedMs = Math.round(this.now() - wallStart);
    this.summary.simulatedMs = Math.round(this.simNowMs - this.o.simStartMs);
    this.summary.unackedBatches = this.outstanding;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    this.summary.ackLatencyP50Ms = round1(sorted[Math.floor(sorted.length * 0.5)] ?? 0);
    this.summary.ackLatencyP99Ms = round1(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0);
    return this.summary;
  }

  /** Current counters (progress lines). */
  progress(): Record<string, number | string> {
    return {
      simulatedTime: new Date(this.simNowMs).toISOString(),
      generated: this.summary.readsGenerated,
      sent: this.summary.readsSent,
      acked: this.summary.readsAcked,
      rejectedReads: this.summary.readsRejected,
      duplicateBatches: this.summary.duplicateBatches,
      outstandingBatches: this.outstanding,
      resends: this.resends(),
    };
  }

  private resends(): number {
    let n = 0;
    for (const c of this.clients.values()) n += c.stats.resends;
    return n;
  }

  private flush(gantryId: string): void {
    const buf = this.buffers.get(gantryId);
    if (!buf || buf.reads.length === 0) return;
    const entry = this.o.outbox.gantry(gantryId).add(JSON.stringify(buf.reads), buf.reads.length);
    buf.reads = [];
    this.summary.batchesSent++;
    this.summary.readsSent += entry.reads;
    this.transmit(gantryId, entry);
  }

  private client(gantryId: string): GantryClient {
    let c = this.clients.get(gantryId);
    if (!c) {
      const keys = this.o.curve?.keyPair(gantryId);
      const curve: DealerCurve | undefined = keys && this.o.curve ? { serverKey: this.o.curve.serverKey, ...keys } : undefined;
      c = new GantryClient({
        ...(typeof this.o.endpoint === "string" ? { endpoint: this.o.endpoint } : { endpoints: this.o.endpoint }),
        gantryId,
        context: this.ctx,
        reactor: this.reactor,
        maxInFlight: this.o.maxInFlight ?? 1,
        ackTimeoutMs: this.o.ackTimeoutMs ?? 3000,
        ...(curve ? { curve } : {}),
      });
      this.clients.set(gantryId, c);
    }
    return c;
  }

  private transmit(gantryId: string, entry: OutboxEntry, resumed = false): void {
    this.outstanding++;
    this.client(gantryId)
      .send(entry.batch, entry.body)
      .then(
        (res) => this.onAck(gantryId, entry, res, resumed),
        () => undefined, // closed while unacked: the batch stays in the outbox for the next run
      )
      .finally(() => {
        this.outstanding--;
        this.waiters.shift()?.();
      });
  }

  private onAck(gantryId: string, entry: OutboxEntry, res: BatchResult, resumed: boolean): void {
    const log = this.o.logger ?? silentLogger;
    this.o.outbox.gantry(gantryId).ack(entry.batch);
    this.summary.batchesAcked++;
    this.latencies.push(res.latencyMs);
    if (this.latencies.length > 100_000) this.latencies.splice(0, 50_000);
    const r = res.reply;
    if (r.status === "rejected") {
      this.summary.rejectedBatches++;
      this.summary.readsRejected += entry.reads;
      log.warn("batch rejected", { gantry: gantryId, batch: entry.batch, reason: r.reason });
      return;
    }
    this.summary.readsAcked += entry.reads;
    if (r.status === "duplicate") {
      this.summary.duplicateBatches++;
      if (res.attempts === 1 && !resumed) {
        this.summary.numberCollisions++;
        log.warn("a new batch was answered duplicate: its number was used before, its reads were not stored", { gantry: gantryId, batch: entry.batch });
        return;
      }
    }
    // A duplicate of our own batch (a resend after a lost ack, or resumed from the outbox) was
    // committed earlier: the reply carries the counts of that commit.
    this.summary.readsAccepted += r.accepted;
    this.summary.readsRejected += r.rejected;
  }

  private waitForAck(): Promise<void> {
    return new Promise<void>((r) => this.waiters.push(r));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wakeMain = done;
    });
  }

  private close(): void {
    for (const c of this.clients.values()) {
      this.summary.resends += c.stats.resends;
      this.summary.reconnects += c.stats.reconnects;
      c.close();
    }
    this.clients.clear();
    this.reactor.stop();
    this.ctx.term();
    this.o.outbox.close();
  }
}

const round1 = (v: number) => Math.round(v * 10) / 10;
