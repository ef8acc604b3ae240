import type { Database } from "../../core/db/database.ts";
import { silentLogger, type Logger } from "../../core/log/logger.ts";
import type { ControlJob } from "../jobs/control-job.ts";
import { Watermarks } from "../jobs/watermarks.ts";
import { INTERVAL_MS, ceilInterval, floorInterval } from "../interval/interval.ts";
import { DatedNetworks } from "../network/dated-networks.ts";
import type { SegmentNetwork } from "../network/segment-network.ts";
import { loadPassages } from "./passage-loader.ts";
import { DEFAULT_PLAUSIBILITY, TravelTimeMatcher, type PlausibilityRule } from "./travel-time-matcher.ts";

/**
 * Computes segment_stats (source 'computed') from passages, continuously and for any past period.
 *
 * Each run replaces the rows of whole intervals in one transaction (delete + insert), so running a
 * period twice never double counts. The watermark records up to which interval the job has run;
 * the next run starts `trailingMs` before it, so vehicles still on a segment (their entry interval
 * is not complete) and late reads are picked up by recomputing those intervals. After downtime the
 * job catches up from the watermark in chunks of an hour: each chunk holds its passages plus the
 * longest plausible travel time after it in memory (~2 h of reads at most).
 */
export interface TravelTimeJobOptions {
  trailingMs: number;
  chunkMs: number;
  /** Where to start when there is no watermark yet. */
  initialLookbackMs: number;
  rule: PlausibilityRule;
}

export const DEFAULT_TRAVEL_TIME_JOB: TravelTimeJobOptions = {
  trailingMs: 30 * 60_000,
  chunkMs: 3600_000,
  initialLookbackMs: 3600_000,
  rule: DEFAULT_PLAUSIBILITY,
};

export interface RangeReport {
  fromMs: number;
  toMs: number;
  reads: number;
  matches: number;
  rejected: number;
  rows: number;
}

export class TravelTimeJob implements ControlJob {
  readonly name = "traveltime";
  private readonly matchers = new Map<SegmentNetwork, TravelTimeMatcher>();
  private readonly watermarks: Watermarks;
  private readonly opts: TravelTimeJobOptions;
  private readonly networks: DatedNetworks;

  /** `network`: one network for all times, or the network of each date (DatedNetworks). */
  constructor(
    private readonly db: Database,
    network: SegmentNetwork | DatedNetworks,
    private readonly logger: Logger = silentLogger,
    opts: Partial<TravelTimeJobOptions> = {},
  ) {
    this.opts = { ...DEFAULT_TRAVEL_TIME_JOB, ...opts };
    this.networks = DatedNetworks.of(network);
    this.watermarks = new Watermarks(db);
  }

  private matcher(net: SegmentNetwork): TravelTimeMatcher {
    let m = this.matchers.get(net);
    if (!m) {
      if (this.matchers.size > 8) this.matchers.clear();
      m = new TravelTimeMatcher(net, this.opts.rule);
      this.matchers.set(net, m);
    }
    return m;
  }

  /**
   * Recomputes the intervals of [fromMs, toMs) (widened to interval boundaries) from the passages
   * read before asOfMs (default: all; the continuous job passes its clock, so a replay sees only
   * what had arrived by then).
   */
  async computeRange(fromMs: number, toMs: number, asOfMs = Number.POSITIVE_INFINITY): Promise<RangeReport> {
    const from = floorInterval(fromMs);
    const to = ceilInterval(toMs);
    // Each piece of the period is matched on the network of its date (a vehicle is matched at the
    // segments of the version in force when it entered them).
    const rows: unknown[][] = [];
    let reads = 0;
    let matches = 0;
    let rejected = 0;
    for (const span of await this.networks.spans(from, to)) {
      const net = span.network;
      const cols = await loadPassages(this.db, net, span.fromMs, Math.min(asOfMs, span.toMs + this.opts.rule.maxTravelTimeS * 1000));
      const r = this.matcher(net).compute(cols, span.fromMs, span.toMs);
      reads += r.reads;
      matches += r.matches;
      rejected += r.rejected;
      for (const s of r.stats) {
        rows.push([
          new Date(s.bucketMs),
          net.segments[s.segment]!.fromGantry,
          net.segments[s.segment]!.toGantry,
          s.vehicleClass,
          "computed",
          s.medianTravelTimeS,
          s.spaceMeanSpeedKmh,
          s.volume,
        ]);
      }
    }
    await this.db.tx(async (tx) => {
      await tx.query("delete from segment_stats where source = 'computed' and bucket >= $1 and bucket < $2", [new Date(from), new Date(to)]);
      await tx.bulkInsert("segment_stats", SEGMENT_STATS_COLUMNS, rows);
    });
    return { fromMs: from, toMs: to, reads, matches, rejected, rows: rows.length };
  }

  async runOnce(nowMs: number): Promise<void> {
    const current = floorInterval(nowMs);
    const mark = await this.watermarks.get(this.name);
    let from = mark === undefined ? floorInterval(nowMs - this.opts.initialLookbackMs) : floorInterval(mark - this.opts.trailingMs);
    // The interval in progress is computed too (from the vehicles that have already left), then redone.
    const end = current + INTERVAL_MS;
    while (from < end) {
      const to = Math.min(end, from + this.opts.chunkMs);
      const rep = await this.computeRange(from, to, nowMs);
      await this.watermarks.set(this.name, Math.min(to, current));
      this.logger.debug("travel times computed", { from: new Date(from).toISOString(), to: new Date(to).toISOString(), ...rep });
      from = to;
    }
  }
}

export const SEGMENT_STATS_COLUMNS = [
  { name: "bucket", type: "timestamptz" },
  { name: "from_gantry", type: "text" },
  { name: "to_gantry", type: "text" },
  { name: "vehicle_class", type: "smallint" },
  { name: "source", type: "text" },
  { name: "travel_time_s", type: "real" },
  { name: "speed_kmh", type: "real" },
  { name: "volume", type: "integer" },
] as const;
