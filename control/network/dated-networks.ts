import type { Queryable } from "../../core/db/database.ts";
import { SegmentNetwork } from "./segment-network.ts";

/**
 * The SegmentNetwork of any date, for the control jobs: a period is cut where a network version
 * starts, and each piece is computed on its own version's network. Versions are re-read when the
 * reference counter (sql/601, bumped by every change to network versions) moved, so a version an
 * operator adds is used by the next run without a restart. `fixed` serves one network for all
 * times (tests and tools that build their own).
 */
export interface NetworkSpan {
  network: SegmentNetwork;
  fromMs: number;
  toMs: number;
}

interface Period {
  code: string;
  fromMs: number;
  toMs: number;
}

export class DatedNetworks {
  private periods: Period[] = [];
  private readonly cache = new Map<string, SegmentNetwork>();
  private seen: string | undefined;

  private constructor(
    private readonly db: Queryable | undefined,
    private readonly fixedNetwork: SegmentNetwork | undefined,
  ) {}

  static fixed(network: SegmentNetwork): DatedNetworks {
    return new DatedNetworks(undefined, network);
  }

  static async load(db: Queryable): Promise<DatedNetworks> {
    const d = new DatedNetworks(db, undefined);
    await d.refresh();
    return d;
  }

  static of(network: SegmentNetwork | DatedNetworks): DatedNetworks {
    return network instanceof DatedNetworks ? network : DatedNetworks.fixed(network);
  }

  /** Re-reads the versions when anything changed since the last look (one primary-key read otherwise). */
  async refresh(): Promise<void> {
    if (!this.db) return;
    const v = await this.db.one<{ v: string }>("select version::text as v from ingest_reference_version");
    if (v.v === this.seen) return;
    const rows = await this.db.query<{ code: string; valid_from: Date; valid_to: Date | null }>(
      "select code, valid_from, nullif(valid_to, 'infinity') as valid_to from network_version_periods order by valid_from",
    );
    this.periods = rows.map((r) => ({ code: r.code, fromMs: r.valid_from.getTime(), toMs: r.valid_to ? r.valid_to.getTime() : Number.POSITIVE_INFINITY }));
    this.cache.clear();
    this.seen = v.v;
  }

  /** [fromMs, toMs) cut at version starts, each piece with its version's network. */
  async spans(fromMs: number, toMs: number): Promise<NetworkSpan[]> {
    if (this.fixedNetwork) return [{ network: this.fixedNetwork, fromMs, toMs }];
    await this.refresh();
    const out: NetworkSpan[] = [];
    for (const p of this.periods) {
      if (p.toMs <= fromMs || p.fromMs >= toMs) continue;
      out.push({ network: await this.network(p), fromMs: Math.max(fromMs, p.fromMs), toMs: Math.min(toMs, p.toMs) });
    }
    return out;
  }

  /** The network in force at the time. */
  async at(ms: number): Promise<SegmentNetwork | undefined> {
    return (await this.spans(ms, ms + 1))[0]?.network;
  }

  /**
   * Every gantry and segment of the versions overlapping [fromMs, toMs), in one network: trips follow
   * a vehicle across a renumbering, so they need both ids (and each id's km).
   */
  async union(fromMs: number, toMs: number): Promise<SegmentNetwork | undefined> {
    const spans = await this.spans(fromMs, toMs);
    if (spans.length <= 1) return spans[0]?.network;
    const gantries = new Map<string, number>();
    const segments = new Map<string, SegmentNetwork["segments"][number]>();
    for (const { network } of spans) {
      for (const [i, id] of network.gantryIds.entries()) gantries.set(id, network.gantryKm[i]!);
      for (const s of network.segments) segments.set(`${s.fromGantry}>${s.toGantry}`, s);
    }
    return new SegmentNetwork(
      [...gantries].map(([id, km]) => ({ id, km })),
      [...segments.values()],
    );
  }

  private async network(p: Period): Promise<SegmentNetwork> {
    let n = this.cache.get(p.code);
    if (!n) {
      n = await SegmentNetwork.load(this.db!, p.fromMs);
      this.cache.set(p.code, n);
    }
    return n;
  }
}
