import type { Database } from "../../core/db/database.ts";
import { silentLogger, type Logger } from "../../core/log/logger.ts";
import { VEHICLE_KEY } from "../../core/settlement/day-vehicles.ts";
import { PRICE_VALIDITY_MS } from "../../core/tariff/congestion-prices.ts";
import { INTERVAL_MS, floorInterval } from "../interval/interval.ts";
import type { ControlJob } from "../jobs/control-job.ts";
import { DEFAULT_PRICING, nextPrice, type PricingConfig } from "./price-controller.ts";
import { type ExitRead, entryLookbackMs, type MeasuredSpeed, measureExits } from "./segment-speed.ts";

/**
 * Every 5 minutes: one price per enabled priced segment, from the space-mean speed and volume of the
 * vehicles that left it in the interval that just closed (segment-speed.ts, matched from the
 * passages themselves, so the price does not wait for the travel-time job), appended to price_log.
 * It is announced now and applies from the start of the next interval, so every price is published
 * before it is charged. A rerun of the same period appends nothing.
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
      length_km: number;
      capacity: number | null;
      cap: number | null;
      frozen: boolean | null;
      permille: number | null;
      above: number | null;
      done: boolean;
    }>(
      `select ps.from_gantry as f, ps.to_gantry as g, rs.length_km::float8 as length_km, ps.capacity_vph as capacity, o.cap_permille as cap, o.frozen,
              -- A price that lapsed (the job did not run for a while) is no longer the state: start from the fixed rate.
              case when l.effective_from > $2 then l.permille end as permille, case when l.effective_from > $2 then l.above_updates end as above,
              exists (select 1 from price_log x where x.from_gantry = ps.from_gantry and x.to_gantry = ps.to_gantry and x.effective_from = $1) as done
         from priced_segments ps
         join road_segments rs on rs.from_gantry = ps.from_gantry and rs.to_gantry = ps.to_gantry
         left join price_overrides o on o.from_gantry = ps.from_gantry and o.to_gantry = ps.to_gantry
         -- The state: the price before this one (a replay of a past period must not start from a later price).
         left join lateral (select permille, above_updates, effective_from from price_log x where x.from_gantry = ps.from_gantry and x.to_gantry = ps.to_gantry
                               and x.effective_from < $1
                             order by effective_from desc, id desc limit 1) l on true
        where ps.enabled
        order by 1, 2`,
      [new Date(effective), new Date(effective - PRICE_VALIDITY_MS)],
    );
    const todo = segments.filter((s) => !s.done);
    if (todo.length === 0) return;
    const measured: MeasuredSpeed[] = [];
    for (const s of todo) measured.push(await this.measure(s.f, s.g, s.length_km, closed, current));
    await this.db.tx(async (tx) => {
      for (const [i, s] of todo.entries()) {
        const m = measured[i]!;
        const d = nextPrice(
          { permille: s.permille ?? 1000, above: s.above ?? 0 },
          m.speedKmh,
          m.volume,
          this.config,
          {
            capPermille: s.cap ?? undefined,
            frozen: s.frozen ?? false,
          },
          s.capacity,
        );
        await tx.query(
          `insert into price_log (from_gantry, to_gantry, announced_at, effective_from, permille, speed_kmh, volume, above_updates, reason)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [s.f, s.g, new Date(nowMs), new Date(effective), d.permille, m.speedKmh, m.volume, d.above, d.reason],
        );
      }
    });
    this.logger.info("prices published", { published: todo.length, effectiveFrom: new Date(effective).toISOString() });
  }

  /** Exits at the downstream gantry in [fromMs, toMs), matched to upstream reads (by vehicle) before them. */
  private async measure(fromGantry: string, toGantry: string, lengthKm: number, fromMs: number, toMs: number): Promise<MeasuredSpeed> {
    const rows = await this.db.query<{ v: string; ms: number; exit: boolean }>(
      `select ${VEHICLE_KEY} as v, floor(extract(epoch from p.ts) * 1000)::float8 as ms, p.gantry_id = $2 as exit
         from passages p
        where (p.gantry_id = $1 and p.ts >= $3 and p.ts < $5) or (p.gantry_id = $2 and p.ts >= $4 and p.ts < $5)
        order by p.ts`,
      [fromGantry, toGantry, new Date(fromMs - entryLookbackMs(lengthKm)), new Date(fromMs), new Date(toMs)],
    );
    const entries = new Map<string, number[]>();
    const exits: ExitRead[] = [];
    for (const r of rows) {
      if (r.exit) exits.push({ vehicle: r.v, exitMs: r.ms });
      else {
        const list = entries.get(r.v);
        if (list) list.push(r.ms);
        else entries.set(r.v, [r.ms]);
      }
    }
    return measureExits(entries, exits, lengthKm);
  }
}
