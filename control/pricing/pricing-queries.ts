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

/** The price feed and the operators' overrides. */
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
