import type { Database } from "../../core/db/database.ts";
import { silentLogger, type Logger } from "../../core/log/logger.ts";
import type { ControlJob } from "../jobs/control-job.ts";
import { Watermarks } from "../jobs/watermarks.ts";
import { DatedNetworks } from "../network/dated-networks.ts";
import type { SegmentNetwork } from "../network/segment-network.ts";
import { loadPassages } from "../traveltime/passage-loader.ts";
import { DEFAULT_TRIP_GAP_MS, buildTrips } from "./trip-builder.ts";

/**
 * Keeps trips (source 'computed') up to date. Each run starts at the watermark less trailingMs (late
 * reads), or earlier at the oldest trip still open, and reads passages from lookbackMs before that.
 * It rebuilds every trip it can see whole (starting at least gapMs after the first passage read, so
 * no earlier read can belong to it) and replaces, in one transaction, the stored trips that start
 * in that range and end after the run's start: trips under way are extended, late reads merge or
 * split trips, nothing is stored twice. Trips longer than lookbackMs - gapMs (6 h - 30 min by
 * default) are not updated after their first lookback.
 */
export interface TripsJobOptions {
  gapMs: number;
  /** Late reads up to this long after the previous run still join their trip. */
  trailingMs: number;
  lookbackMs: number;
  initialLookbackMs: number;
}

export const DEFAULT_TRIPS_JOB: TripsJobOptions = {
  gapMs: DEFAULT_TRIP_GAP_MS,
  trailingMs: 30 * 60_000,
  lookbackMs: 6 * 3600_000,
  initialLookbackMs: 6 * 3600_000,
};

const TRIP_COLUMNS = [
  { name: "start_ts", type: "timestamptz" },
  { name: "end_ts", type: "timestamptz" },
  { name: "vehicle_key", type: "text" },
  { name: "vehicle_class", type: "smallint" },
  { name: "start_gantry", type: "text" },
  { name: "end_gantry", type: "text" },
  { name: "length_km", type: "numeric" },
  { name: "trip_end", type: "boolean" },
  { name: "path", type: "jsonb" },
  { name: "source", type: "text" },
];

export class TripsJob implements ControlJob {
  readonly name = "trips";
  private readonly opts: TripsJobOptions;
  private readonly watermarks: Watermarks;
  private readonly networks: DatedNetworks;

  /** `network`: one network for all times, or the network of each date (DatedNetworks). */
  constructor(
    private readonly db: Database,
    network: SegmentNetwork | DatedNetworks,
    private readonly logger: Logger = silentLogger,
    opts: Partial<TripsJobOptions> = {},
  ) {
    this.opts = { ...DEFAULT_TRIPS_JOB, ...opts };
    this.networks = DatedNetworks.of(network);
    this.watermarks = new Watermarks(db);
  }

  async runOnce(nowMs: number): Promise<void> {
    const mark = await this.watermarks.get(this.name);
    let from = mark === undefined ? nowMs - this.opts.initialLookbackMs : mark - this.opts.trailingMs;
    // trips still open must be revisited until they end, however long ago they were last read
    const open = await this.db.maybeOne<{ t: Date | null }>("select min(end_ts) as t from trips where source = 'computed' and not trip_end");
    if (open?.t) from = Math.min(from, open.t.getTime());
    const n = await this.computeRange(from, nowMs);
    await this.watermarks.set(this.name, nowMs);
    this.logger.debug("trips computed", { trips: n });
  }

  /** Rebuilds the trips that end in [fromMs, nowMs); returns how many were written. */
  async computeRange(fromMs: number, nowMs: number): Promise<number> {
    const loadStart = fromMs - this.opts.lookbackMs;
    const safeStart = loadStart + this.opts.gapMs;
    // The gantries of every version in the window: a trip may cross a renumbering.
    const network = await this.networks.union(loadStart, nowMs);
    if (!network) return 0;
    const cols = await loadPassages(this.db, network, loadStart, nowMs);
    const trips = buildTrips(cols, network, nowMs, this.opts.gapMs).filter((t) => t.startMs >= safeStart && t.endMs >= fromMs);
    await this.db.tx(async (tx) => {
      await tx.query("delete from trips where source = 'computed' and start_ts >= $1 and start_ts < $3 and end_ts >= $2", [
        new Date(safeStart),
        new Date(fromMs),
        new Date(nowMs),
      ]);
      await tx.bulkInsert(
        "trips",
        TRIP_COLUMNS,
        trips.map((t) => [
          new Date(t.startMs),
          new Date(t.endMs),
          t.vehicleKey,
          t.vehicleClass,
          t.startGantry,
          t.endGantry,
          t.lengthKm,
          t.tripEnd,
          t.path,
          "computed",
        ]),
      );
    });
    return trips.length;
  }
}
