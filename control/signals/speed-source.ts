import type { Queryable } from "../../core/db/database.ts";
import type { SpeedRange } from "../greenwave/arterial.ts";
import type { CorridorSpec } from "./corridor.ts";
import type { SpeedsUsed } from "./plan-builder.ts";

/**
 * Speed ranges from roadside readers: where a corridor names the gantry pair covering each direction,
 * the range is the 15th-85th percentile of the measured space-mean speeds (segment_stats, all
 * classes, buckets with traffic) over the last `windowHours`. With fewer than `minBuckets` buckets the
 * configured range stays. A measured range never widens past the configured one's limits, so a
 * quiet night does not ask the plan for 10 km/h progressions.
 */
export class SpeedRangeSource {
  constructor(
    private readonly db: Queryable,
    private readonly opts: { minBuckets?: number; now?: () => Date } = {},
  ) {}

  async measured(fromGantry: string, toGantry: string, windowHours: number): Promise<SpeedRange | null> {
    const since = new Date((this.opts.now?.() ?? new Date()).getTime() - windowHours * 3600_000);
    const row = await this.db.one<{ n: number; p15: number | null; p85: number | null }>(
      `select count(*)::int as n,
              percentile_cont(0.15) within group (order by speed_kmh) as p15,
              percentile_cont(0.85) within group (order by speed_kmh) as p85
         from segment_stats
        where from_gantry = $1 and to_gantry = $2 and bucket >= $3 and speed_kmh > 0 and volume > 0`,
      [fromGantry, toGantry, since],
    );
    if (row.n < (this.opts.minBuckets ?? 6) || row.p15 === null || row.p85 === null) return null;
    return { minMs: row.p15 / 3.6, maxMs: row.p85 / 3.6 };
  }

  async speedsFor(c: CorridorSpec): Promise<SpeedsUsed> {
    const hours = c.measuredSpeeds?.windowHours ?? 168;
    const pick = async (configured: SpeedRange, pair: { fromGantry: string; toGantry: string } | undefined) => {
      const m = pair ? await this.measured(pair.fromGantry, pair.toGantry, hours) : null;
      if (!m) return { ...configured, source: "configured" as const };
      const minMs = Math.min(Math.max(m.minMs, configured.minMs), configured.maxMs);
      const maxMs = Math.max(Math.min(m.maxMs, configured.maxMs), minMs);
      return { minMs, maxMs, source: "measured" as const };
    };
    return {
      outbound: await pick(c.outboundSpeed, c.measuredSpeeds?.outbound),
      inbound: await pick(c.inboundSpeed, c.measuredSpeeds?.inbound),
    };
  }
}
