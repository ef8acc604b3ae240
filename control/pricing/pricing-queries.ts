import type { Queryable } from "../../core/db/database.ts";
import { TollwayError } from "../../core/errors/tollway-error.ts";
import { PRICE_VALIDITY_MS } from "../../core/tariff/congestion-prices.ts";
import type { Limited } from "../queries/traffic-queries.ts";
import { TrafficQueries } from "../queries/traffic-queries.ts";

/** A published price with the speed and volume behind it (table price_log). */
export interface PriceItem {
  id: number;
  fromGantry: string;
  toGantry: string;
  announcedAt: string;
  effectiveFrom: string;
  validUntil: string;
  multiplier: number;
  permille: number;
  speedKmh: number | null;
  volume: number;
  reason: string;
}

export interface PriceOverrideItem {
  fromGantry: string;
  toGantry: string;
  capPermille: number | null;
  frozen: boolean;
  setBy: string;
  setAt: string;
}

/** A priced segment as configured, with its override and the newest price. */
export interface PricedSegmentItem {
  fromGantry: string;
  toGantry: string;
  enabled: boolean;
  capacityVph: number | null;
  updatedAt: string;
  override: { capPermille: number | null; frozen: boolean } | null;
  latestPermille: number | null;
}

/** The price feed, the priced segments and the operators' overrides. */
export class PricingQueries {
  constructor(private readonly db: Queryable) {}

  /** current: the newest price of every priced segment (it may apply from the next interval); else those announced in a period. */
  async prices(f: { current: boolean; fromMs?: number; toMs?: number; fromGantry?: string; limit: number }): Promise<Limited<PriceItem>> {
    new TrafficQueries(this.db).checkEpisodeWindow(f);
    const rows = await this.db.query<PriceRow>(
      f.current
        ? `select distinct on (from_gantry, to_gantry) ${COLUMNS} from price_log
            where ($1::text is null or from_gantry = $1) order by from_gantry, to_gantry, effective_from desc, id desc limit $2`
        : `select ${COLUMNS} from price_log
            where ($1::text is null or from_gantry = $1) and announced_at >= $3 and announced_at < $4
            order by announced_at, from_gantry, id limit $2`,
      f.current ? [f.fromGantry ?? null, f.limit + 1] : [f.fromGantry ?? null, f.limit + 1, new Date(f.fromMs!), new Date(f.toMs!)],
    );
    return { items: rows.slice(0, f.limit).map(priceItem), truncated: rows.length > f.limit };
  }

  async pricedSegments(): Promise<PricedSegmentItem[]> {
    const rows = await this.db.query<PricedSegmentRow>(
      `select ps.from_gantry, ps.to_gantry, ps.enabled, ps.capacity_vph, ps.updated_at, o.cap_permille, o.frozen, l.permille
         from priced_segments ps
         left join price_overrides o on o.from_gantry = ps.from_gantry and o.to_gantry = ps.to_gantry
         left join lateral (select permille from price_log x where x.from_gantry = ps.from_gantry and x.to_gantry = ps.to_gantry
                             order by effective_from desc, id desc limit 1) l on true
        order by ps.from_gantry, ps.to_gantry`,
    );
    return rows.map(pricedSegmentItem);
  }

  /**
   * Prices a segment of the current network, or changes it (enabled, capacity); returns before and
   * after. Disabling stops new prices; the last one lapses 15 minutes after it took effect.
   */
  async setPricedSegment(
    fromGantry: string,
    toGantry: string,
    p: { enabled: boolean; capacityVph: number | null },
  ): Promise<{ before: PricedSegmentItem | null; after: PricedSegmentItem }> {
    const segment = await this.db.maybeOne("select 1 from road_segments where from_gantry = $1 and to_gantry = $2", [fromGantry, toGantry]);
    if (!segment) throw new TollwayError("not_found", `${fromGantry}>${toGantry} is not a segment of the current network (consecutive gantries)`);
    const find = async () => (await this.pricedSegments()).find((x) => x.fromGantry === fromGantry && x.toGantry === toGantry) ?? null;
    await this.db.query("select 1 from priced_segments where from_gantry = $1 and to_gantry = $2 for update", [fromGantry, toGantry]);
    const before = await find();
    await this.db.query(
      `insert into priced_segments (from_gantry, to_gantry, enabled, capacity_vph) values ($1, $2, $3, $4)
       on conflict (from_gantry, to_gantry) do update set enabled = excluded.enabled, capacity_vph = excluded.capacity_vph, updated_at = now()`,
      [fromGantry, toGantry, p.enabled, p.capacityVph],
    );
    return { before, after: (await find())! };
  }

  /** Sets (or lifts, with no cap and not frozen) the override of a priced segment; returns before and after. */
  async setOverride(
    fromGantry: string,
    toGantry: string,
    o: { capPermille: number | null; frozen: boolean },
    setBy: string,
  ): Promise<{ before: PriceOverrideItem | null; after: PriceOverrideItem }> {
    const priced = await this.db.maybeOne("select 1 from priced_segments where from_gantry = $1 and to_gantry = $2", [fromGantry, toGantry]);
    if (!priced) throw new TollwayError("not_found", `Segment ${fromGantry}>${toGantry} is not priced`);
    const before = await this.db.maybeOne<OverrideRow>(`select ${OVERRIDE_COLUMNS} from price_overrides where from_gantry = $1 and to_gantry = $2 for update`, [
      fromGantry,
      toGantry,
    ]);
    const after = await this.db.one<OverrideRow>(
      `insert into price_overrides (from_gantry, to_gantry, cap_permille, frozen, set_by, set_at) values ($1, $2, $3, $4, $5, now())
       on conflict (from_gantry, to_gantry) do update set cap_permille = excluded.cap_permille, frozen = excluded.frozen, set_by = excluded.set_by, set_at = now()
       returning ${OVERRIDE_COLUMNS}`,
      [fromGantry, toGantry, o.capPermille, o.frozen, setBy],
    );
    return { before: before ? overrideItem(before) : null, after: overrideItem(after) };
  }
}

const COLUMNS = "id, from_gantry, to_gantry, announced_at, effective_from, permille, speed_kmh, volume, reason";
const OVERRIDE_COLUMNS = "from_gantry, to_gantry, cap_permille, frozen, set_by, set_at";

type PriceRow = {
  id: number;
  from_gantry: string;
  to_gantry: string;
  announced_at: Date;
  effective_from: Date;
  permille: number;
  speed_kmh: number | null;
  volume: number;
  reason: string;
};
type PricedSegmentRow = {
  from_gantry: string;
  to_gantry: string;
  enabled: boolean;
  capacity_vph: number | null;
  updated_at: Date;
  cap_permille: number | null;
  frozen: boolean | null;
  permille: number | null;
};
type OverrideRow = { from_gantry: string; to_gantry: string; cap_permille: number | null; frozen: boolean; set_by: string; set_at: Date };

const priceItem = (r: PriceRow): PriceItem => ({
  id: Number(r.id),
  fromGantry: r.from_gantry,
  toGantry: r.to_gantry,
  announcedAt: r.announced_at.toISOString(),
  effectiveFrom: r.effective_from.toISOString(),
  validUntil: new Date(r.effective_from.getTime() + PRICE_VALIDITY_MS).toISOString(),
  multiplier: r.permille / 1000,
  permille: r.permille,
  speedKmh: r.speed_kmh,
  volume: r.volume,
  reason: r.reason,
});

const overrideItem = (r: OverrideRow): PriceOverrideItem => ({
  fromGantry: r.from_gantry,
  toGantry: r.to_gantry,
  capPermille: r.cap_permille,
  frozen: r.frozen,
  setBy: r.set_by,
  setAt: r.set_at.toISOString(),
});

const pricedSegmentItem = (r: PricedSegmentRow): PricedSegmentItem => ({
  fromGantry: r.from_gantry,
  toGantry: r.to_gantry,
  enabled: r.enabled,
  capacityVph: r.capacity_vph,
  updatedAt: r.updated_at.toISOString(),
  override: r.frozen === null ? null : { capPermille: r.cap_permille, frozen: r.frozen },
  latestPermille: r.permille,
});
