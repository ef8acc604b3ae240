/**
 * Antenna-duplicate removal: a vehicle read again by the same gantry within the window of its
 * first read is the same passage (its read count goes up), also across batch boundaries. State is
 * per gantry; a gantry is "cold" until it was warmed from the passages already stored, so a
 * restart does not turn merged reads into new passages.
 */

/** The passage a read merged into: either still being written by this group, or already stored. */
export interface PassageRef {
  gantry: string;
  tsMs: number;
  /** The ts text stored with the passage (to address it when it is already stored). */
  ts: string;
  tag: string | null;
  plate: string | null;
  /** Reads merged into it so far (the stored value, plus what this group adds). */
  rawReads: number;
  /** Reads this group adds to an already stored passage. */
  addStored: number;
  stored: boolean;
}

interface GantryState {
  byKey: Map<string, PassageRef>;
  /** Insertion order, for pruning by time. */
  fifo: { key: string; ref: PassageRef }[];
  head: number;
  maxTsMs: number;
}

export type Merge = { kind: "new"; ref: PassageRef } | { kind: "merged"; ref: PassageRef };

export const dedupKey = (tag: string | null, plate: string | null): string => (tag !== null ? "T" + tag : "P" + plate);

export class AntennaDedup {
  private readonly gantries = new Map<string, GantryState>();
  private readonly windowMs: number;

  constructor(windowSeconds: number) {
    this.windowMs = windowSeconds * 1000;
  }

  isWarm(gantry: string): boolean {
    return this.gantries.has(gantry);
  }

  /** Marks a gantry warm with passages already stored (from the database). */
  warm(gantry: string, stored: readonly { tsMs: number; ts: string; tag: string | null; plate: string | null; rawReads: number }[]): void {
    const g = this.state(gantry);
    for (const p of stored) {
      const key = dedupKey(p.tag, p.plate);
      const ref: PassageRef = { gantry, tsMs: p.tsMs, ts: p.ts, tag: p.tag, plate: p.plate, rawReads: p.rawReads, addStored: 0, stored: true };
      const prev = g.byKey.get(key);
      if (!prev || prev.tsMs < p.tsMs) g.byKey.set(key, ref);
      g.fifo.push({ key, ref });
      if (p.tsMs > g.maxTsMs) g.maxTsMs = p.tsMs;
    }
  }

  /** Decides whether a read starts a new passage or merges into one within the window. */
  offer(gantry: string, tag: string | null, plate: string | null, tsMs: number, ts: string): Merge {
    const g = this.state(gantry);
    const key = dedupKey(tag, plate);
    const prev = g.byKey.get(key);
    if (prev && Math.abs(tsMs - prev.tsMs) <= this.windowMs) {
      if (prev.rawReads < 32767) {
        prev.rawReads++;
        if (prev.stored) prev.addStored++;
      }
      return { kind: "merged", ref: prev };
    }
    const ref: PassageRef = { gantry, tsMs, ts, tag, plate, rawReads: 1, addStored: 0, stored: false };
    g.byKey.set(key, ref);
    g.fifo.push({ key, ref });
    if (tsMs > g.maxTsMs) {
      g.maxTsMs = tsMs;
      this.prune(g);
    }
    return { kind: "new", ref };
  }

  /** After a commit: everything is stored now. */
  committed(refs: Iterable<PassageRef>): void {
    for (const r of refs) {
      r.stored = true;
      r.addStored = 0;
    }
  }

  /** After a failed transaction: forget everything; gantries warm again from the database. */
  reset(): void {
    this.gantries.clear();
  }

  /** Passages remembered (for metrics and tests). */
  get size(): number {
    let n = 0;
    for (const g of this.gantries.values()) n += g.byKey.size;
    return n;
  }

  private state(gantry: string): GantryState {
    let g = this.gantries.get(gantry);
    if (!g) this.gantries.set(gantry, (g = { byKey: new Map(), fifo: [], head: 0, maxTsMs: Number.NEGATIVE_INFINITY }));
    return g;
  }

  /** Drops passages older than the window behind the newest read (plus the window again for late reads). */
  private prune(g: GantryState): void {
    const horizon = g.maxTsMs - 2 * this.windowMs;
    const fifo = g.fifo;
    let h = g.head;
    while (h < fifo.length && fifo[h]!.ref.tsMs < horizon) {
      const e = fifo[h]!;
      if (g.byKey.get(e.key) === e.ref) g.byKey.delete(e.key);
      h++;
    }
    if (h > 4096 && h > fifo.length / 2) {
      g.fifo = fifo.slice(h);
      h = 0;
    }
    g.head = h;
  }
}
