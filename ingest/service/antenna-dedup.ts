/**
 * Antenna-duplicate removal: a vehicle read again by the same gantry within the window of its
 * first read is the same passage (its read count goes up), also across batch boundaries. The key
 * is the vehicle the read was resolved to (vehicle-identity.ts): a tag+plate read and a plate-only
 * read of the same car are one passage. State is per gantry; a gantry is "cold" until it
 * was warmed from the passages already stored, so a restart does not turn merged reads into new
 * passages.
 *
 * Passages are kept in buckets two windows wide, by read time: a read looks in its own bucket and
 * the one neighbour its window reaches into (the earlier one in the bucket's first half, the later
 * one in its second half): two map lookups a read, where one-window buckets needed three. A bucket is dropped once it is more than two buckets away from where the
 * gantry's reads now land and has not been touched for a while (in passages): that bounds memory
 * without trusting any single clock (a batch from the far future, or a late one from the past,
 * neither wipes the state nor pins it).
 */

/** A passage, written by this process or loaded from the database. */
export interface PassageRef {
  gantry: string;
  /** The resolved vehicle key (passages.vehicle_key). */
  key: string;
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

interface Bucket {
  byKey: Map<string, PassageRef>;
  /** The gantry's passage counter when this bucket was last inserted into. */
  touched: number;
}

/** One gantry's state; get it once per batch with `gantry()`. */
export interface GantryState {
  id: string;
  buckets: Map<number, Bucket>;
  /** Passages inserted so far. */
  seq: number;
  /**
   * The gantry's version in ingest_gantry_versions that the next group writing this gantry expects
   * (sql/610): read with the stored passages, plus one per group built on top since.
   */
  version: number;
}

/** A bucket out of reach is dropped once this many passages went elsewhere since it was touched. */
const UNTOUCHED_PASSAGES = 2048;

export class AntennaDedup {
  private readonly gantries = new Map<string, GantryState>();
  /** Gantries whose stored passages were loaded (state alone does not make a gantry warm). */
  private readonly warmed = new Set<string>();
  private readonly windowMs: number;
  private readonly bucketMs: number;
  /** Set by offer(): whether the last offered read started a new passage. */
  lastWasNew = false;

  constructor(windowSeconds: number) {
    this.windowMs = windowSeconds * 1000;
    this.bucketMs = Math.max(2000, 2 * this.windowMs);
  }

  isWarm(gantry: string): boolean {
    return this.warmed.has(gantry);
  }

  gantry(gantry: string): GantryState {
    let g = this.gantries.get(gantry);
    if (!g) this.gantries.set(gantry, (g = { id: gantry, buckets: new Map(), seq: 0, version: 0 }));
    return g;
  }

  /**
   * Marks a gantry warm with passages already stored (from the database), read in one snapshot with
   * the gantry's `version` (sql/610).
   */
  warm(
    gantry: string,
    stored: readonly { key: string; tsMs: number; ts: string; tag: string | null; plate: string | null; rawReads: number }[],
    version = 0,
  ): void {
    const g = this.gantry(gantry);
    this.warmed.add(gantry);
    g.version = version;
    for (const p of stored) {
      if (this.find(g, p.key, p.tsMs)?.tsMs === p.tsMs) continue;
      this.insert(g, { gantry, key: p.key, tsMs: p.tsMs, ts: p.ts, tag: p.tag, plate: p.plate, rawReads: p.rawReads, addStored: 0, stored: true });
    }
  }

  /**
   * The passage this read belongs to: an existing one within the window (its count goes up), or a
   * new one. `lastWasNew` tells which.
   */
  offer(g: GantryState, key: string, tag: string | null, plate: string | null, tsMs: number, ts: string): PassageRef {
    const prev = this.find(g, key, tsMs);
    if (prev !== undefined) {
      if (prev.rawReads < 32767) {
        prev.rawReads++;
        if (prev.stored) prev.addStored++;
      }
      this.lastWasNew = false;
      return prev;
    }
    const ref: PassageRef = { gantry: g.id, key, tsMs, ts, tag, plate, rawReads: 1, addStored: 0, stored: false };
    this.insert(g, ref);
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
    for (const g of this.gantries.values()) for (const b of g.buckets.values()) n += b.byKey.size;
    return n;
  }

  /** A passage of this vehicle whose first read is within the window of tsMs. */
  private find(g: GantryState, key: string, tsMs: number): PassageRef | undefined {
    const b = Math.floor(tsMs / this.bucketMs);
    // Own bucket first (the usual hit), then the neighbour the window reaches into: the earlier one
    // iff tsMs - window < the bucket's start, the later one iff tsMs + window >= the next start.
    const neighbour = tsMs - b * this.bucketMs < this.windowMs ? b - 1 : b + 1;
    return this.findIn(g.buckets.get(b), key, tsMs) ?? this.findIn(g.buckets.get(neighbour), key, tsMs);
  }

  private findIn(bucket: Bucket | undefined, key: string, tsMs: number): PassageRef | undefined {
    if (bucket === undefined) return undefined;
    const ref = bucket.byKey.get(key);
    return ref !== undefined && Math.abs(tsMs - ref.tsMs) <= this.windowMs ? ref : undefined;
  }

  private insert(g: GantryState, ref: PassageRef): void {
    const b = Math.floor(ref.tsMs / this.bucketMs);
    let bucket = g.buckets.get(b);
    if (!bucket) g.buckets.set(b, (bucket = { byKey: new Map(), touched: 0 }));
    bucket.byKey.set(ref.key, ref);
    bucket.touched = ++g.seq;
    if ((g.seq & 255) === 0) {
      // More than two buckets away is more than a window from any read landing in bucket b.
      for (const [k, other] of g.buckets) if (Math.abs(k - b) > 2 && g.seq - other.touched > UNTOUCHED_PASSAGES) g.buckets.delete(k);
    }
  }
}
