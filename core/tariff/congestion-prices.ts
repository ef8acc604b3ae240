/**
 * Congestion prices as the settlement and the quote apply them (control/pricing writes them): the
 * append-only price log (sql/631), per priced segment, multipliers in per-mille (1000 = the fixed
 * Taiwan rate). The rules, all decided from the log alone so every charge can be re-priced from it:
 *
 * - **In force at t**: the newest price with effective_from <= t (announced_at breaks ties), for at
 *   most `PRICE_VALIDITY_MS` after its effective_from. The pricing job renews every priced segment
 *   every 5 minutes; when it stops (control down, segment disabled) the price lapses to the fixed rate
 *   instead of holding a congestion price indefinitely.
 * - **Priced passage**: a passage at the downstream gantry of a priced segment. The vehicle drove the
 *   segment when its previous read of the day is at the segment's upstream gantry within
 *   `SECTION_GAP_MS`; otherwise it entered by a ramp inside the segment and is priced on the only (or
 *   first by name) priced segment into that gantry.
 * - **Entry lock, charge the lower**: the vehicle entered the priced section (consecutive priced
 *   segments driven without a break) at its read at the section's first upstream gantry; a ramp
 *   entry is unobserved, so the gantry read itself is the entry. It pays the price that was in force
 *   at its entry, or the one in force at the gantry if that is lower.
 * - **Rounding**: charge = floor(posted x permille / 1000): truncated to NT$0.1 like the posted price.
 */
export const PRICE_VALIDITY_MS = 15 * 60_000;
export const SECTION_GAP_MS = 60 * 60_000;

export const segmentKey = (fromGantry: string, toGantry: string) => `${fromGantry}>${toGantry}`;

/** One published price (a price_log row). */
export interface PublishedPrice {
  /** price_log.id; absent for prices not (yet) logged. */
  id?: number;
  fromGantry: string;
  toGantry: string;
  announcedAtMs: number;
  effectiveFromMs: number;
  permille: number;
}

/** A price lookup: the multiplier and the log entry it came from (null: the fixed rate). */
export interface PriceInForce {
  permille: number;
  logId: number | null;
}

/** How one passage was congestion-priced (for the settlement's lines and re-pricing). */
export interface CongestionCharge {
  segment: string;
  sectionEntry: Date;
  /** In force at the section entry, and at the gantry; the lower is charged. */
  atEntry: PriceInForce;
  atPassage: PriceInForce;
  permille: number;
  logId: number | null;
}

export interface PassageAt {
  gantryId: string;
  ts: Date;
}

export class CongestionPrices {
  static readonly none = new CongestionPrices([]);
  private readonly bySegment = new Map<string, PublishedPrice[]>();
  /** Priced segments into each downstream gantry, by name. */
  private readonly into = new Map<string, { key: string; fromGantry: string }[]>();

  constructor(log: readonly PublishedPrice[]) {
    for (const p of log) {
      if (!Number.isInteger(p.permille) || p.permille < 1000) throw new RangeError(`price ${p.id ?? "?"}: permille ${p.permille} is not an integer >= 1000`);
      const key = segmentKey(p.fromGantry, p.toGantry);
      let list = this.bySegment.get(key);
      if (!list) {
        this.bySegment.set(key, (list = []));
        const into = this.into.get(p.toGantry) ?? [];
        into.push({ key, fromGantry: p.fromGantry });
        into.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        this.into.set(p.toGantry, into);
      }
      list.push(p);
    }
    for (const list of this.bySegment.values())
      list.sort((a, b) => a.effectiveFromMs - b.effectiveFromMs || a.announcedAtMs - b.announcedAtMs || (a.id ?? 0) - (b.id ?? 0));
  }

  get empty(): boolean {
    return this.bySegment.size === 0;
  }

  /** The multiplier in force on a segment ("FROM>TO") at tMs. */
  priceAt(segment: string, tMs: number): PriceInForce {
    const list = this.bySegment.get(segment);
    if (!list) return FIXED;
    // The last entry with effectiveFrom <= t (binary search; ties resolved by the sort).
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.effectiveFromMs <= tMs) lo = mid + 1;
      else hi = mid;
    }
    const p = list[lo - 1];
    if (!p || tMs >= p.effectiveFromMs + PRICE_VALIDITY_MS) return FIXED;
    return { permille: p.permille, logId: p.id ?? null };
  }

  /**
   * One vehicle's day, in time order: how each passage is congestion-priced (null: not priced).
   * The section entry carries over consecutive priced passages.
   */
  chargesOf(passages: readonly PassageAt[]): (CongestionCharge | null)[] {
    const out: (CongestionCharge | null)[] = [];
    for (const [i, p] of passages.entries()) {
      const into = this.into.get(p.gantryId);
      if (!into) {
        out.push(null);
        continue;
      }
      const prev = i > 0 ? passages[i - 1] : undefined;
      const linked = prev && p.ts.getTime() - prev.ts.getTime() <= SECTION_GAP_MS ? into.find((s) => s.fromGantry === prev.gantryId) : undefined;
      const segment = (linked ?? into[0]!).key;
      // Driven from the upstream gantry: the section began there, or earlier if that read was itself priced.
      const sectionEntry = linked ? (out[i - 1]?.sectionEntry ?? prev!.ts) : p.ts;
      const atEntry = this.priceAt(segment, sectionEntry.getTime());
      const atPassage = this.priceAt(segment, p.ts.getTime());
      const lower = atPassage.permille < atEntry.permille ? atPassage : atEntry;
      out.push({ segment, sectionEntry, atEntry, atPassage, permille: lower.permille, logId: lower.logId });
    }
    return out;
  }
}

const FIXED: PriceInForce = { permille: 1000, logId: null };

/** The charge in NT$0.1: a posted price times the multiplier, truncated to the tenth. */
export function pricedTenths(baseTenths: number, permille: number): number {
  return Math.floor((baseTenths * permille) / 1000);
}
