import { hostname } from "node:os";
import { isTransientDbError, type Database } from "../../core/db/database.ts";
import { retryTransient } from "../../core/db/retry.ts";
import { TollwayError } from "../../core/errors/tollway-error.ts";
import type { Logger } from "../../core/log/logger.ts";
import { Registry } from "../metrics/prometheus.ts";
import { MAX_FRAME_BYTES, TR1 } from "../protocol/tr1.ts";
import { RouterServer, type IncomingMessage } from "../zmq/index.ts";
import { AntennaDedup } from "./antenna-dedup.ts";
import { GroupBuilder } from "./group-builder.ts";
import type { GroupPlan } from "./group-plan.ts";
import { IngestHttpServer } from "./ingest-http.ts";
import { IngestMaintenance } from "./ingest-maintenance.ts";
import { ingestMetrics } from "./ingest-metrics.ts";
import { IngestStats } from "./ingest-stats.ts";
import { GantryMovedError, writeOthers, writePassages } from "./plan-writer.ts";
import { VehicleDirectory } from "./vehicle-directory.ts";
import { loadGantryKeys, ReferenceData } from "./reference-data.ts";

export interface IngestServiceOptions {
  db: Database;
  logger: Logger;
  /** ZeroMQ endpoint of the ROUTER, e.g. tcp://0.0.0.0:5555 (tcp://127.0.0.1:* picks a port). */
  bind: string;
  /** CURVE server secret key (Z85): turns CURVE on, with gantry_keys deciding who may connect. */
  curveSecretKey?: string | undefined;
  duplicateWindowSeconds: number;
  /**
   * Plausible read times, relative to the ingest's clock (INGEST_READ_MAX_AGE_S, _AHEAD_S): reads
   * stamped more than maxAge ago or maxAhead ahead are dead-lettered, not priced or counted.
   * Replays of historical or accelerated traffic set a window that holds them.
   */
  readMaxAgeSeconds: number;
  readMaxAheadSeconds: number;
  /** The ingest's clock (ms since the epoch); tests pass their own. */
  now?: () => number;
  /** Port of the HTTP endpoint for /metrics, /healthz and /readyz; undefined: none, 0: any free port. */
  metricsPort?: number | undefined;
  metricsHost?: string;
  instance?: string;
  /** Messages received and not yet acked; the socket stops reading at this bound (default 256). */
  maxInFlight?: number;
  /** Bytes of their frames; the socket stops reading at this bound too (default 64 MiB). */
  maxInFlightBytes?: number;
  /**
   * A group (one transaction) is cut at this many messages or reads (default 20 000). Per-group costs (statements,
   * count upserts, commit, promise hops) made 4 000-read groups ~20 % slower than 10 000 on
   * PostgreSQL, and 10 000 a few % slower than 20 000, with the ack p99 at half rate ~100-180 ms
   * either way (bench:ingest, see README).
   */
  maxGroupMessages?: number;
  maxGroupReads?: number;
  /**
   * Groups built and not yet committed (default 3): one building while two are in the database
   * (one COPYing, one committing). With 2, the main thread waited for the database and the machine
   * was 82-83 % busy instead of 87-88 % (bench:ingest: 237-249 k vs 267-270 k reads/s).
   */
  maxGroupsInFlight?: number;
  statsIntervalMs?: number;
  refreshIntervalMs?: number;
  /** How often gantry keys are re-read (default 5 s): a revoked key's sessions are cut within this plus a moment. */
  keyRefreshIntervalMs?: number;
  /** How often full BRIN ranges of passages are summarised (default 1 s). */
  rangeSummaryIntervalMs?: number;
  /** How long stop() keeps retrying a group while the database is down. */
  stopTimeoutMs?: number;
}

/**
 * How building a group ended. "database away": given up while the database is unreachable (a group
 * is committing and will fail too, or stopping ran out of time); "failed": any other error.
 */
type BuildResult = { kind: "built"; plan: GroupPlan } | { kind: "database away" } | { kind: "failed" };

/** Gantry and batch of a message, for logs, when its header says. */
function messageLabel(m: IncomingMessage): { gantry?: string; batch?: number } {
  try {
    const h = JSON.parse(new TextDecoder().decode(m.frames[1])) as { gantry?: unknown; batch?: unknown };
    return { ...(typeof h.gantry === "string" ? { gantry: h.gantry.slice(0, 16) } : {}), ...(typeof h.batch === "number" ? { batch: h.batch } : {}) };
  } catch {
    return {};
  }
}

/** Thrown inside a transaction whose plan was built on top of a group that then failed. */
class StalePlanError extends TollwayError {
  constructor() {
    super("internal", "previous group failed; plan is stale");
  }
}

/** Thrown inside a transaction that waited too long for the group before it (to free its connection). */
class PreviousGroupWaitError extends TollwayError {
  constructor() {
    super("internal", "waited too long for the previous group");
  }
}

const PREV_WAIT_MS = 5000;

/**
 * The ingest: receives TR1 batches on a ROUTER (served by a Worker), writes each group of messages
 * in one transaction, and acks only after it commits. A failed transaction is retried with the
 * same messages (their acks wait), so a database restart loses nothing; gantries resend what was
 * in flight when the process itself died, and ingest_batches makes that exactly-once.
 */
export class IngestService {
  private readonly db: Database;
  private readonly logger: Logger;
  private router: RouterServer | undefined;
  private readonly http: IngestHttpServer;
  private readonly maintenance: IngestMaintenance;
  private readonly stats: IngestStats;
  private readonly dedup: AntennaDedup;
  private readonly vehicles = new VehicleDirectory();
  private readonly reference: ReferenceData;
  private readonly builder: GroupBuilder;
  private readonly queue: IncomingMessage[] = [];
  /** Body bytes of the queued messages. */
  private queuedBytes = 0;
  private lastCommitAt = 0;
  private current = 0;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private stopDeadline = Number.POSITIVE_INFINITY;
  readonly instance: string;

  readonly registry = new Registry();
  private readonly m = ingestMetrics(this.registry);

  constructor(private readonly opts: IngestServiceOptions) {
    this.db = opts.db;
    this.logger = opts.logger;
    this.instance = opts.instance ?? `${hostname()}:${process.pid}`;
    this.dedup = new AntennaDedup(opts.duplicateWindowSeconds);
    const now = opts.now ?? Date.now;
    const readWindow = { maxAgeMs: opts.readMaxAgeSeconds * 1000, maxAheadMs: opts.readMaxAheadSeconds * 1000 };
    // Tariffs from the oldest read time still accepted on.
    this.reference = new ReferenceData(() => now() - readWindow.maxAgeMs);
    this.builder = new GroupBuilder({
      reference: this.reference,
      vehicles: this.vehicles,
      dedup: this.dedup,
      windowMs: opts.duplicateWindowSeconds * 1000,
      curve: !!opts.curveSecretKey,
      readWindow,
      now,
    });
    this.stats = new IngestStats({ db: this.db, logger: this.logger, instance: this.instance, metrics: this.m, inFlight: () => this.inFlight });
    this.maintenance = new IngestMaintenance({
      db: this.db,
      logger: this.logger,
      refreshReference: () => this.refresh(),
      refreshKeys: () => this.refreshKeys(),
      keyRefreshIntervalMs: opts.keyRefreshIntervalMs ?? 5000,
      stats: this.stats,
      refreshIntervalMs: opts.refreshIntervalMs ?? 30_000,
      statsIntervalMs: opts.statsIntervalMs ?? 10_000,
      rangeSummaryIntervalMs: opts.rangeSummaryIntervalMs ?? 1000,
    });
    this.http = new IngestHttpServer({
      db: this.db,
      registry: this.registry,
      status: () => ({
        socket: this.stopping ? "stopping" : this.router ? "bound" : "starting",
        inFlight: this.inFlight,
        lastCommitAt: this.lastCommitAt,
        dedupPassages: this.dedup.size,
        vehicleDirectory: this.vehicles.size,
      }),
    });
    this.registry.gauge("tollway_ingest_in_flight", "Messages received and not yet acked", () => this.inFlight);
    this.registry.gauge("tollway_ingest_dedup_passages", "Recent passages remembered for antenna-duplicate removal", () => this.dedup.size);
  }

  get endpoint(): string {
    if (!this.router) throw new TollwayError("internal", "ingest not started");
    return this.router.endpoint;
  }

  get metricsUrl(): string | undefined {
    return this.http.url("/metrics");
  }

  /** /readyz on the metrics port (undefined without one). */
  get readyUrl(): string | undefined {
    return this.http.url("/readyz");
  }

  get inFlight(): number {
    return this.queue.length + this.current;
  }

  async start(): Promise<void> {
    // Served from the start: /readyz says "starting" while reference data loads (or waits for the database).
    if (this.opts.metricsPort !== undefined) this.http.listen(this.opts.metricsPort, this.opts.metricsHost ?? "127.0.0.1");
    try {
      await this.open();
    } catch (e) {
      this.http.stop();
      throw e;
    }
  }

  /** Loads what pricing needs, then binds the ROUTER and starts the periodic work. */
  private async open(): Promise<void> {
    const keys = await this.withDbRetry("load reference data", () => this.refresh());
    // Every registered tag and plate, before the first read is priced (then kept current per group).
    const loadStarted = performance.now();
    await this.withDbRetry("load the vehicle directory", () => this.vehicles.load(this.db));
    this.logger.info("vehicle directory loaded", { keys: this.vehicles.size, ms: Math.round(performance.now() - loadStarted) });
    if (this.opts.curveSecretKey) {
      this.logger.info("CURVE on: only gantries with a registered key can connect", { keys: keys?.size ?? 0 });
    } else {
      this.logger.warn(
        "CURVE IS OFF: any host that can reach the ingest port can submit reads as any gantry. Set INGEST_CURVE_SECRET_KEY (and register gantry keys) in production.",
        { bind: this.opts.bind },
      );
    }
    this.router = await RouterServer.start({
      bind: this.opts.bind,
      curveSecretKey: this.opts.curveSecretKey,
      keys: keys ?? new Map(),
      // What unprocessed frames can hold (README, Operations): per connection, libzmq queues
      // RCVHWM messages plus the one arriving, no frame above MAX_FRAME_BYTES; this process holds
      // at most maxInFlight messages and maxInFlightBytes (+ one message) of their frames, and
      // keeps no frame beyond the three of TR1.
      maxInFlight: this.opts.maxInFlight ?? 256,
      maxInFlightBytes: this.opts.maxInFlightBytes ?? 64 << 20,
      maxMessageBytes: MAX_FRAME_BYTES,
      maxFrames: 3,
      receiveHwm: 16,
      maxGroupMessages: 64,
      onMessages: (msgs) => {
        for (const m of msgs) {
          this.queue.push(m);
          this.queuedBytes += m.frames[2]?.length ?? 0;
        }
        this.kick();
      },
      onZap: (allowed, userId) => {
        this.m.zap.inc(1, { result: allowed ? "accepted" : "refused" });
        if (!allowed) this.logger.warn("refused a gantry connection with an unregistered CURVE key");
        else this.logger.debug("gantry authenticated", { gantry: userId });
      },
      onRefused: (n) => {
        this.m.revokedMessages.inc(n);
        this.logger.warn("dropped messages of a revoked CURVE key", { messages: n });
      },
      onSessionsCut: (reason, sessions) => {
        this.m.sessionCuts.inc();
        this.logger.warn("cut every gantry session (gantries with a valid key reconnect)", { reason, sessions });
      },
      onError: (message) => this.logger.error("ROUTER worker failed", { err: message }),
    });
    this.maintenance.start();
    this.logger.info("ingest listening", {
      endpoint: this.router.endpoint,
      metrics: this.metricsUrl,
      duplicateWindowSeconds: this.opts.duplicateWindowSeconds,
    });
  }

  /** Graceful: stop reading, commit and ack what is in flight, write a last stats row, close. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.stopDeadline = Date.now() + (this.opts.stopTimeoutMs ?? 10_000);
    this.router?.stopReading();
    // Messages posted by the worker before it saw "stop reading" are still on their way.
    await Bun.sleep(50);
    if (this.loop) await this.loop;
    this.maintenance.stop();
    await this.stats.write();
    await this.router?.close();
    this.http.stop();
    this.logger.info("ingest stopped", { unacked: this.queue.length });
  }

  private kick(): void {
    this.loop ??= this.drain().finally(() => {
      this.loop = undefined;
      if (this.queue.length && !this.abandoned()) this.kick();
    });
  }

  private abandoned(): boolean {
    return this.stopping && Date.now() > this.stopDeadline;
  }

  /**
   * Builds the next group (CPU) while earlier ones are in the database (up to maxGroupsInFlight in
   * all). On PostgreSQL, a group also COPYs its passages while the one before commits (separate
   * backends), then waits for it before its other statements and its COMMIT, so commits stay in
   * order. If one fails, the groups after it are rolled back and rebuilt from the database.
   */
  private async drain(): Promise<void> {
    const outstanding: { group: IncomingMessage[]; done: Promise<boolean> }[] = [];
    const settle = async () => {
      const c = outstanding.shift()!;
      await c.done;
      this.current -= c.group.length;
    };
    while (this.queue.length && !this.abandoned()) {
      if (outstanding.length >= (this.opts.maxGroupsInFlight ?? 3)) await settle();
      const group = this.cut();
      if (!group.length) continue;
      this.current += group.length;
      let prev = outstanding[outstanding.length - 1];
      let built = await this.buildWithRetry(group, prev);
      if (built.kind === "database away" && prev) {
        // The database went away while a group was committing: let the earlier ones finish first.
        while (outstanding.length) await settle();
        prev = undefined;
        this.dedup.reset();
        built = await this.buildWithRetry(group, undefined);
      }
      if (built.kind === "failed") {
        // Not the database being away: commitPlan rebuilds it, and isolates what breaks.
        outstanding.push({ group, done: this.commitPlan(group, undefined, prev?.done) });
        continue;
      }
      if (built.kind === "database away") {
        // Stopping while the database is away: no ack, the gantries resend.
        for (const m of group) this.router?.done(m);
        this.current -= group.length;
        continue;
      }
      outstanding.push({ group, done: this.commitPlan(group, built.plan, prev?.done) });
    }
    while (outstanding.length) await settle();
  }

  private cut(): IncomingMessage[] {
    const maxMsgs = this.opts.maxGroupMessages ?? 200;
    // Reads are estimated from bytes (~90 bytes a read).
    const maxBytes = (this.opts.maxGroupReads ?? 20_000) * 90;
    // Full-size groups only from a backlog (the database is the limit); while it keeps up, half-size
    // groups halve the time a batch waits for its group to form and commit. bench:ingest, ack p99 at
    // half rate: 150-245 ms with 20 000-read groups, ~90-170 ms with 10 000.
    const limit = this.queuedBytes >= maxBytes ? maxBytes : maxBytes / 2;
    let n = 0;
    let bytes = 0;
    while (n < this.queue.length && n < maxMsgs && bytes < limit) {
      bytes += this.queue[n]!.frames[2]?.length ?? 0;
      n++;
    }
    this.queuedBytes -= bytes;
    return this.queue.splice(0, n);
  }

  private async buildWithRetry(group: IncomingMessage[], committing: { done: Promise<boolean> } | undefined): Promise<BuildResult> {
    try {
      const plan = await retryTransient(() => this.locked(() => this.builder.build(this.db, group, this.inFlightBatches)), {
        // The group committing now will fail too: let it finish its own retries first.
        pause: async (attempt, e) => !committing && (await this.backoff(attempt, group.length, e)),
      });
      return plan ? { kind: "built", plan } : { kind: "database away" };
    } catch (e) {
      this.logger.error("building a group failed", { messages: group.length, err: String(e) });
      return { kind: "failed" };
    }
  }

  private readonly inFlightBatches = new Map<string, { accepted: number; rejected: number }>();
  private buildLock: Promise<unknown> = Promise.resolve();

  /** Builds one at a time: a retry's reset must not interleave with another group's build. */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.buildLock.then(fn, fn);
    this.buildLock = run.catch(() => undefined);
    return run;
  }

  /**
   * Commits a plan, retrying (rebuilt from the messages) until it is stored; then acks. `prev`: the
   * commit of the group built before this one; false when it failed, which makes this plan stale.
   * Resolves false when this plan had to be rebuilt (so the next one must be rebuilt too).
   */
  private async commitPlan(group: IncomingMessage[], first: GroupPlan | undefined, prevDone?: Promise<boolean>): Promise<boolean> {
    let plan: GroupPlan | undefined = first;
    let clean = true;
    let prev = prevDone;
    if (first) for (const [k, v] of first.batchKeys) this.inFlightBatches.set(k, v);
    try {
      for (let attempt = 1; ; attempt++) {
        const t0 = performance.now();
        try {
          // A rebuild starts from what is stored, never from state another build left behind,
          // and only once the group before has settled (its passages are then stored).
          if (!plan) {
            if (prev) {
              await prev;
              prev = undefined;
            }
            plan = await this.locked(() => {
              this.dedup.reset();
              return this.builder.build(this.db, group);
            });
          }
          const p = plan;
          await this.db.tx(async (tx) => {
            await writePassages(tx, p);
            if (prev) {
              // Never hold a connection long while waiting: the group before may need one.
              const ok = await Promise.race([prev, Bun.sleep(PREV_WAIT_MS).then(() => undefined)]);
              if (ok === undefined) throw new PreviousGroupWaitError();
              prev = undefined;
              if (!ok) throw new StalePlanError();
            }
            await writeOthers(tx, p);
          });
        } catch (e) {
          // Database.tx passes a TollwayError through as it is (no wrapping).
          if (e instanceof PreviousGroupWaitError && prev) {
            // Rolled back to free the connection; wait outside a transaction, then go again
            // (with the same plan if the group before committed).
            const ok = await prev;
            prev = undefined;
            if (ok) continue;
          }
          this.inFlightBatches.clear();
          clean = false;
          plan = undefined;
          // The group before failed: rebuild on what it finally stored (it has settled now).
          if (e instanceof StalePlanError || e instanceof PreviousGroupWaitError) continue;
          // Another instance wrote one of its gantries: rebuild from what is stored now (README,
          // Several instances). Not an attempt that counts towards giving up.
          if (e instanceof GantryMovedError) {
            this.m.gantryMoves.inc();
            this.logger.debug("gantry written by another instance; rebuilding the group", { gantries: e.gantries.slice(0, 5), messages: group.length });
            attempt--;
            continue;
          }
          const conflict = (e as { code?: string }).code === "conflict";
          if (isTransientDbError(e) || (conflict && attempt < 3)) {
            if (await this.backoff(attempt, group.length, e)) continue;
            this.logger.warn("stopping with unacknowledged messages: gantries will resend them", { messages: group.length });
            for (const m of group) this.router?.done(m);
            return false;
          }
          // Not the database being away: isolate the message that breaks the transaction.
          if (group.length > 1) {
            this.logger.error("group transaction failed; retrying its messages one by one", { messages: group.length, err: String(e) });
            for (const m of group) await this.commitPlan([m], undefined);
            return false;
          }
          // Never "rejected": gantries take that as final, and the message may hold good reads.
          // Unacked, it comes back with the gantry's resend, and is stored once the cause is fixed.
          this.logger.error("message could not be stored; left unacknowledged, the gantry will resend it", { ...messageLabel(group[0]!), err: String(e) });
          this.m.unstored.inc();
          // Its build offered its reads to the antenna dedup: forget them (the next build loads
          // what is stored), or the resend would merge into passages that were never written.
          await this.locked(async () => this.dedup.reset());
          this.router?.done(group[0]!);
          return false;
        }
        // Committed. Outside the try: a failure to send a reply must not store the group again
        // (the gantry resends and gets "duplicate").
        try {
          this.afterCommit(plan, group.length, (performance.now() - t0) / 1000);
        } catch (e) {
          this.logger.error("committed, but the replies could not be sent; gantries will resend", { messages: group.length, err: String(e) });
        }
        return clean;
      }
    } finally {
      if (first) for (const k of first.batchKeys.keys()) this.inFlightBatches.delete(k);
    }
  }

  /** Waits before the next attempt; false when stopping has run out of time. */
  private async backoff(attempt: number, messages: number, e: unknown): Promise<boolean> {
    this.m.retries.inc();
    if (attempt === 1 || attempt % 20 === 0) this.logger.warn("database unavailable, retrying the group (acks wait)", { messages, attempt, err: String(e) });
    if (this.abandoned()) return false;
    await Bun.sleep(Math.min(2000, 50 * 2 ** Math.min(attempt, 6)));
    return !this.abandoned();
  }

  private afterCommit(plan: GroupPlan, messages: number, seconds: number): void {
    this.lastCommitAt = Date.now();
    this.m.commit.observe(seconds);
    this.m.groupSize.observe(messages);
    this.stats.recordCommit(seconds * 1000);
    const s = plan.stats;
    this.m.reads.inc(s.acceptedReads - s.antennaDuplicates, { result: "passage" });
    this.m.reads.inc(s.antennaDuplicates, { result: "antenna_duplicate" });
    this.m.reads.inc(s.rejectedReads, { result: "rejected" });
    this.m.passages.inc(plan.passages.length);
    this.m.hotlistHits.inc(plan.hotlistHits.length);
    for (const [reason, n] of s.rejectReasons) this.m.rejects.inc(n, { reason });
    for (const r of plan.replies) {
      this.m.batches.inc(1, { status: r.reply.status });
      this.router!.reply(r.to, [TR1, JSON.stringify(r.reply)]);
    }
  }

  /** Reloads gantries, tariffs and keys; returns the keys. (Groups also reload gantries and tariffs as soon as they change.) */
  private async refresh(): Promise<Map<string, string>> {
    const [, keys] = await Promise.all([this.reference.load(this.db), this.refreshKeys()]);
    return keys;
  }

  /** Reloads the gantry keys in force (a few hundred rows); the ROUTER drops what a revoked key sends and cuts its session. */
  private async refreshKeys(): Promise<Map<string, string>> {
    const keys = await loadGantryKeys(this.db);
    if (this.router && this.opts.curveSecretKey) this.router.setKeys(keys);
    return keys;
  }

  private withDbRetry<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    return retryTransient(fn, {
      maxAttempts: 60,
      pause: async (attempt, e) => {
        this.logger.warn(`${what}: database unavailable, retrying`, { attempt, err: String(e) });
        await Bun.sleep(1000);
        return true;
      },
    });
  }
}
