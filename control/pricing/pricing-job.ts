import type { Database } from "../../core/db/database.ts";
import { silentLogger, type Logger } from "../../core/log/logger.ts";
import { PRICE_VALIDITY_MS } from "../../core/tariff/congestion-prices.ts";
import { INTERVAL_MS, floorInterval } from "../interval/interval.ts";
import type { ControlJob } from "../jobs/control-job.ts";
import { DEFAULT_PRICING, nextPrice, type PricingConfig } from "./price-controller.ts";

/**
 * Every 5 minutes, after the travel times: one price per enabled priced segment, from the speed
 * and volume of the interval that just closed (segment_stats, computed; classes pooled: volume and
 * volume-weighted harmonic mean speed), appended to price_log. It is announced now and applies
 * from the start of the next interval, so every price is published before it is charged. A rerun
 * of the same period appends nothing.
 */
export class PricingJob implements ControlJob {
  readonly name = "pricing";

  constructor(
    private readonly db: Database,
    private readonly logger: Logger = silentLogger,
    private readonly config: PricingConfig = DEFAULT_PRICING,
  ) {}

  async runOnce(nowMs: number): Promise<void> {
    const current = floorInterval(nowMs);
    const closed = current - INTERVAL_MS;
    const effective = current + INTERVAL_MS;
    const segments = await this.db.query<{
      f: string;
      g: string;
      cap: number | null;
      frozen: boolean | null;
      permille: number | null;
      above: number | null;
      speed: number | null;
      volume: number | null;
      done: boolean;
    }>(
      `select ps.from_gantry as f, ps.to_gantry as g, o.cap_permille as cap, o.frozen,
              -- A price that lapsed (the job did not run for a while) is no longer the state: start from the fixed rate.
              case when l.effective_from > $3 then l.permille end as permille, case when l.effective_from > $3 then l.above_updates end as above,
              (sum(st.volume)::float8 / nullif(sum(st.volume / st.speed_kmh), 0))::float8 as speed, sum(st.volume)::int as volume,
              exists (select 1 from price_log x where x.from_gantry = ps.from_gantry and x.to_gantry = ps.to_gantry and x.effective_from = $2) as done
         from priced_segments ps
         left join price_overrides o on o.from_gantry = ps.from_gantry and o.to_gantry = ps.to_gantry
         left join lateral (select permille, above_updates, effective_from from price_log x where x.from_gantry = ps.from_gantry and x.to_gantry = ps.to_gantry
                             order by effective_from desc, id desc limit 1) l on true
         left join segment_stats st on st.from_gantry = ps.from_gantry and st.to_gantry = ps.to_gantry and st.source = 'computed'
                                   and st.bucket = $1 and st.speed_kmh > 0 and st.volume > 0
        where ps.enabled
        group by 1, 2, 3, 4, l.permille, l.above_updates, l.effective_from`,
      [new Date(closed), new Date(effective), new Date(effective - PRICE_VALIDITY_MS)],
    );
    let published = 0;
    await this.db.tx(async (tx) => {
      for (const s of segments) {
        if (s.done) continue;
        const d = nextPrice({ permille: s.permille ?? 1000, above: s.above ?? 0 }, s.speed, s.volume ?? 0, this.config, {
          capPermille: s.cap ?? undefined,
          frozen: s.frozen ?? false,
        });
        await tx.query(
          `insert into price_log (from_gantry, to_gantry, announced_at, effective_from, permille, speed_kmh, volume, above_updates, reason)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [s.f, s.g, new Date(nowMs), new Date(effective), d.permille, s.speed, s.volume ?? 0, d.above, d.reason],
        );
        published++;
      }
    });
    if (published > 0) this.logger.info("prices published", { published, effectiveFrom: new Date(effective).toISOString() });
  }
}
