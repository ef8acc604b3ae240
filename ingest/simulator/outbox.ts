import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, truncateSync, writeSync } from "node:fs";
import { join } from "node:path";
import { TollwayError } from "../../core/errors/tollway-error.ts";

/**
 * A gantry's durable outbox: every batch is written to disk (with its batch number) BEFORE it is
 * sent and marked acked after the ingest answers, so a restarted simulator resends exactly the
 * unacknowledged batches with the same numbers and continues numbering after the largest one ever
 * used. One append-only log per gantry:
 *   B <tab> batch <tab> body-json   a batch was created (the body is one line: JSON has no raw newlines)
 *   A <tab> batch                   it was acknowledged (ok, duplicate or rejected: no point resending)
 *   N <tab> batch                   the largest batch number so far (written by compaction)
 * A torn last line (crash mid-write) is cut off on open; that batch was never sent.
 */
export interface OutboxEntry {
  batch: number;
  body: string;
  /** Reads in the body, for statistics. */
  reads: number;
}

export interface OutboxOptions {
  /** fsync after each new batch: survives power loss, not only a process crash (default true). */
  fsync?: boolean;
  /** Rewrite the log once this many acks have accumulated (default 2000). */
  compactAfterAcks?: number;
  /**
   * The first batch number of a gantry that has no log yet. Default: the current time in ms, so a
   * simulator whose outbox was lost still numbers above everything it sent before (the ingest
   * would answer `duplicate` to a reused number and store nothing).
   */
  firstBatch?: () => number;
}

const GANTRY_FILE = /^[0-9A-Z]{8}$/;

export class Outbox {
  private readonly open = new Map<string, GantryOutbox>();

  constructor(
    readonly dir: string,
    private readonly opts: OutboxOptions = {},
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /** The outbox of one gantry, loaded from disk on first use. */
  gantry(gantryId: string): GantryOutbox {
    if (!GANTRY_FILE.test(gantryId)) throw new TollwayError("bad_request", `not a gantry id: ${gantryId}`);
    let g = this.open.get(gantryId);
    if (!g) this.open.set(gantryId, (g = new GantryOutbox(gantryId, join(this.dir, `${gantryId}.log`), this.opts)));
    return g;
  }

  /** Gantries that have a log on disk (a previous run may have left unacked batches). */
  gantriesOnDisk(): string[] {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith(".log") && GANTRY_FILE.test(f.slice(0, -4)))
      .map((f) => f.slice(0, -4))
      .sort();
  }

  close(): void {
    for (const g of this.open.values()) g.close();
    this.open.clear();
  }
}

export class GantryOutbox {
  private fd: number;
  private readonly pendingByBatch = new Map<number, OutboxEntry>();
  private last = 0;
  private acksSinceCompaction = 0;

  constructor(
    readonly gantryId: string,
    private readonly path: string,
    private readonly opts: OutboxOptions,
  ) {
    const lines = this.load();
    this.fd = openSync(path, "a");
    // Start each run with a short log: the largest number and what is still unacked.
    if (lines > this.pendingByBatch.size + 1) this.compact();
  }

  /** The largest batch number ever used by this gantry (0: none). */
  get lastBatch(): number {
    return this.last;
  }

  /** Unacknowledged batches in batch order. */
  pending(): OutboxEntry[] {
    return [...this.pendingByBatch.values()].sort((a, b) => a.batch - b.batch);
  }

  get pendingCount(): number {
    return this.pendingByBatch.size;
  }

  /** Persists a new batch under the next number and returns it; send only after this returns. */
  add(body: string, reads: number): OutboxEntry {
    if (body.includes("\n")) throw new TollwayError("internal", "outbox bodies must be single-line JSON");
    const batch = this.last === 0 ? Math.max(1, Math.floor((this.opts.firstBatch ?? Date.now)())) : this.last + 1;
    const entry: OutboxEntry = { batch, body, reads };
    writeSync(this.fd, `B\t${entry.batch}\t${body}\n`);
    if (this.opts.fsync ?? true) fsyncSync(this.fd);
    this.last = entry.batch;
    this.pendingByBatch.set(entry.batch, entry);
    return entry;
  }

  /** Marks a batch acknowledged; idempotent. */
  ack(batch: number): void {
    if (!this.pendingByBatch.delete(batch)) return;
    writeSync(this.fd, `A\t${batch}\n`);
    if (++this.acksSinceCompaction >= (this.opts.compactAfterAcks ?? 2000)) this.compact();
  }

  /** Rewrites the log with only the unacked batches (atomic: temp file, fsync, rename). */
  compact(): void {
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, "w");
    try {
      let text = `N\t${this.last}\n`;
      for (const e of this.pending()) text += `B\t${e.batch}\t${e.body}\n`;
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    closeSync(this.fd);
    renameSync(tmp, this.path);
    this.fd = openSync(this.path, "a");
    this.acksSinceCompaction = 0;
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }

  /** Reads the log; returns its number of lines. */
  private load(): number {
    if (!existsSync(this.path)) return 0;
    const buf = readFileSync(this.path);
    // Cut a torn last line, so the next append starts on a line of its own.
    const lastNewline = buf.lastIndexOf(0x0a);
    if (lastNewline + 1 !== buf.length) truncateSync(this.path, lastNewline + 1);
    const text = buf.subarray(0, lastNewline + 1).toString("utf8");
    let lines = 0;
    for (const line of text.split("\n")) {
      if (!line) continue;
      lines++;
      const t1 = line.indexOf("\t");
      const kind = line.slice(0, t1);
      const t2 = line.indexOf("\t", t1 + 1);
      const batch = Number(t2 < 0 ? line.slice(t1 + 1) : line.slice(t1 + 1, t2));
      if (!Number.isSafeInteger(batch) || batch <= 0) continue;
      if (kind === "N" || kind === "B") this.last = Math.max(this.last, batch);
      if (kind === "B" && t2 > 0) {
        const body = line.slice(t2 + 1);
        this.pendingByBatch.set(batch, { batch, body, reads: countReads(body) });
      } else if (kind === "A") this.pendingByBatch.delete(batch);
    }
    return lines;
  }
}

function countReads(body: string): number {
  try {
    const v = JSON.parse(body) as unknown;
    return Array.isArray(v) ? v.length : 0;
  } catch {
    return 0;
  }
}
