/**
 * Antenna-duplicate removal: a vehicle read again by the same gantry within the window of its
 * first read is the same passage (its read count goes up), also across batch boundaries. The key
 * is the tag, or the plate for plate-only reads. State is per gantry; a gantry is "cold" until it
 * was warmed from the passages already stored, so a restart does not turn merged reads into new
 * passages.
 */

/** A passage, written by this process or loaded from the database. */
export interface PassageRef {
  gantry: string;
  tsMs: number;
  /** The ts text stored with the passage (to address it when it is already stored). */
  ts: string;
  tag: string | null;
  plate: string | null;
  /** Reads merged into it so far (the stored value, plus what the current group adds). */
  rawReads: number;
  /** Reads the current group adds to an already stored passage. */
  addStored: number;
  stored: boolean;
}

/** One gantry's state; get it once per batch with `gantry()`. */
export interface GantryState {
  id: string;
  byTag: Map<string, PassageRef>;
  byPlate: Map<string, PassageRef>;
  /** Insertion order, for pruning by time. */
  fifo: PassageRef[];
  head: number;
  maxTsMs: number;
}

export class AntennaDedup {
  private readonly gantries = new Map<string, GantryState>();
  /** Gantries whose stored passages were loaded (state alone does not make a gantry warm). */
  private readonly warmed = new Set<string>();
  private readonly windowMs: number;
  /** Set by offer(): whether the last offered read started a new passage. */
  lastWasNew = false;

  constructor(windowSeconds: number) {
    this.windowMs = windowSeconds * 1000;
  }

  isWarm(gantry: string): boolean {
    return this.warmed.has(gantry);
  }

  /** Marks a gantry warm with passages already stored (from the database). */
  warm(gantry: string, stored: readonly { tsMs: number; ts: string; tag: string | null; plate: string | null; rawReads: number }[]): void {
    const g = this.gantry(gantry);
    this.warmed.add(gantry);
    for (const p of stored) {
      const ref: PassageRef = { gantry, tsMs: p.tsMs, ts: p.ts, tag: p.tag, plate: p.plate, rawReads: p.rawReads, addStored: 0, stored: true };
      const map = p.tag !== null ? g.byTag : g.byPlate;
      const key = (p.tag ?? p.plate)!;
      const prev = map.get(key);
      if (!prev || prev.tsMs < p.tsMs) map.set(key, ref);
      g.fifo.push(ref);
      if (p.tsMs > g.maxTsMs) g.maxTsMs = p.tsMs;
    }
  }

  /**
   * The passage this read belongs to: an existing one within the window (its count goes up), or a
   * new one. `lastWasNew` tells which.
   */
  offer(g: GantryState, tag: string | null, plate: string | null, tsMs: number, ts: string): PassageRef {
    const map = tag !== null ? g.byTag : g.byPlate;
    const key = (tag ?? plate)!;
    const prev = map.get(key);
    if (prev !== undefined && Math.abs(tsMs - prev.tsMs) <= this.windowMs) {
      if (prev.rawReads < 32767) {
        prev.rawReads++;
        if (prev.stored) prev.addStored++;
      }
      this.lastWasNew = false;
      return prev;
    }
    const ref: PassageRef = { gantry: g.id, tsMs, ts, tag, plate, rawReads: 1, addStored: 0, stored: false };
    map.set(key, ref);
    g.fifo.push(ref);
    if (tsMs > g.maxTsMs) {
      g.maxTsMs = tsMs;
      if ((g.fifo.length & 255) === 0) this.prune(g);
    }
    this.lastWasNew = true;
    return ref;
  }

  /** The refs are in the database (or will be before anything built later commits). */
  committed(refs: Iterable<PassageRef>): void {
    for (const r of refs) {
      r.stored = true;
      r.addStored = 0;
    }
  }

  /** After a failed transaction: forget everything; gantries warm again from the database. */
  reset(): void {
    this.gantries.clear();
    this.warmed.clear();
  }

  /** Passages remembered (for metrics and tests). */
  get size(): number {
    let n = 0;
    for (const g of this.gantries.values()) n += g.byTag.size + g.byPlate.size;
    return n;
  }

  gantry(gantry: string): GantryState {
    let g = this.gantries.get(gantry);
    if (!g) this.gantries.set(gantry, (g = { id: gantry, byTag: new Map(), byPlate: new Map(), fifo: [], head: 0, maxTsMs: Number.NEGATIVE_INFINITY }));
    return g;
  }

  /**
   * Drops passages older than twice the window behind the gantry's newest read. The second window
   * is slack for batches that arrive out of order (several in flight, resends after a restart).
   */
  private prune(g: GantryState): void {
    const horizon = g.maxTsMs - 2 * this.windowMs;
    const fifo = g.fifo;
    let h = g.head;
    while (h < fifo.length && fifo[h]!.tsMs < horizon) {
      const ref = fifo[h]!;
      const map = ref.tag !== null ? g.byTag : g.byPlate;
      const key = (ref.tag ?? ref.plate)!;
      if (map.get(key) === ref) map.delete(key);
      h++;
    }
    if (h > 4096 && h > fifo.length / 2) {
      g.fifo = fifo.slice(h);
      h = 0;
    }
    g.head = h;
  }
}
