import type { Database, Queryable } from "../../core/db/database.ts";
import { silentLogger, type Logger } from "../../core/log/logger.ts";
import type { ControlJob } from "../jobs/control-job.ts";
import { INTERVAL_MS, ceilInterval, floorInterval } from "../interval/interval.ts";
import { TollwayError } from "../../core/errors/tollway-error.ts";
import { DatedNetworks } from "../network/dated-networks.ts";
import type { SegmentNetwork } from "../network/segment-network.ts";
import { BottleneckDetector, DEFAULT_BOTTLENECK, type BottleneckConfig, type Episode } from "./bottleneck-detector.ts";
import { SpeedGrid } from "./speed-grid.ts";

/**
 * Keeps the hotspots table in step with the bottleneck episodes found in segment_stats.
 *
 * Lifecycle: an episode flagged at the end of the data but not yet confirmed (fewer than 5 of 7
 * intervals) is stored as 'new', so operators see it early; once confirmed it is 'active'; when it
 * has not been flagged for clearAfter intervals it is 'cleared' with its end time. A 'new' row that
 * expires without ever being confirmed was not a bottleneck by the PeMS rule and is removed.
 *
 * Each run re-detects over a window reaching back to the start of the oldest open hotspot (at least
 * lookbackMs, at most maxLookbackMs), so start, delay and extent are always computed over the whole
 * episode and rerunning is idempotent: rows starting inside the window are updated from the episode
 * they overlap, or deleted when no episode supports them any more.
 */
export interface HotspotJobOptions {
  source: "computed" | "tdcs";
  lookbackMs: number;
  maxLookbackMs: number;
  detector: BottleneckConfig;
}

export const DEFAULT_HOTSPOT_JOB: HotspotJobOptions = {
  source: "computed",
  lookbackMs: 3 * 3600_000,
  maxLookbackMs: 24 * 3600_000,
  detector: DEFAULT_BOTTLENECK,
};

export interface HotspotReport {
  fromMs: number;
  toMs: number;
  episodes: number;
  inserted: number;
  updated: number;
  deleted: number;
  open: number;
  detectSeconds: number;
}

type HotspotRow = {
  id: number;
  from_gantry: string;
  to_gantry: string;
  status: string;
  started_at: Date;
  last_active_at: Date;
  ended_at: Date | null;
};

export class HotspotJob implements ControlJob {
  readonly name: string;
  private readonly opts: HotspotJobOptions;
  private readonly detector: BottleneckDetector;
  private readonly networks: DatedNetworks;

  /** `network`: one network for all times, or the network of each date (DatedNetworks). */
  constructor(
    private readonly db: Database,
    network: SegmentNetwork | DatedNetworks,
    private readonly logger: Logger = silentLogger,
    opts: Partial<HotspotJobOptions> = {},
  ) {
    this.opts = { ...DEFAULT_HOTSPOT_JOB, ...opts };
    this.networks = DatedNetworks.of(network);
    this.detector = new BottleneckDetector(this.opts.detector);
    this.name = `hotspots:${this.opts.source}`;
  }

  async runOnce(nowMs: number): Promise<void> {
    const to = ceilInterval(nowMs);
    let from = floorInterval(nowMs - this.opts.lookbackMs);
    // Reach back to the start of every hotspot still open or reaching into the window, so no
    // episode is cut at the window start (a cut episode would look like a new, shorter one).
    const d = this.opts.detector;
    const open = await this.db.maybeOne<{ t: Date | null }>(
      `select min(started_at) as t from hotspots
        where source = $1 and (status in ('new', 'active') or coalesce(ended_at, last_active_at) >= $2)`,
      [this.opts.source, new Date(from - (d.window - d.minActive + 1) * INTERVAL_MS)],
    );
    if (open?.t) from = Math.min(from, floorInterval(open.t.getTime()));
    from = Math.max(from, floorInterval(nowMs - this.opts.maxLookbackMs));
    const rep = await this.analyse(from, to);
    if (rep.inserted + rep.deleted > 0) this.logger.info("hotspots updated", { ...rep });
  }

  /**
   * Detects over [fromMs, toMs) and reconciles the hotspots of that period; toMs is "now". A period
   * that spans network versions is detected piece by piece, each on its version's chains (an episode
   * running across a version change is cut there).
   */
  async analyse(fromMs: number, toMs: number): Promise<HotspotReport> {
    const start = floorInterval(fromMs);
    const found: { e: Episode; net: SegmentNetwork }[] = [];
    let detectSeconds = 0;
    for (const span of await this.networks.spans(start, Math.max(toMs, start + INTERVAL_MS))) {
      const grid = await this.loadGrid(span.fromMs, span.toMs, span.network);
      const t0 = performance.now();
      for (const e of this.detector.detect(grid)) if (e.confirmed || e.ongoing) found.push({ e, net: span.network });
      detectSeconds += (performance.now() - t0) / 1000;
    }
    const counts = await this.db.tx((tx) => this.reconcile(tx, found, start, toMs));
    return { fromMs: start, toMs, episodes: found.length, ...counts, detectSeconds };
  }

  async loadGrid(fromMs: number, toMs: number, network?: SegmentNetwork): Promise<SpeedGrid> {
    const net = network ?? (await this.networks.at(fromMs));
    if (!net) throw new TollwayError("unprocessable", `no network version is valid at ${new Date(fromMs).toISOString()}`);
    const start = floorInterval(fromMs);
    const intervals = Math.max(1, Math.ceil((toMs - start) / INTERVAL_MS));
    const grid = new SpeedGrid(net, start, intervals);
    // Speeds of the segments of each interval's own network version (lengths for M04A-only rows too).
    const rows = await this.db.query<{ t: number; f: string; g: string; c: number; v: number | null; q: number }>(
      `select (extract(epoch from st.bucket) * 1000)::float8 as t, st.from_gantry as f, st.to_gantry as g, st.vehicle_class as c,
              coalesce(st.speed_kmh, case when st.travel_time_s > 0 then rs.length_km * 3600 / st.travel_time_s end)::float8 as v,
              st.volume as q
         from segment_stats st
         join network_segment_periods rs on rs.from_gantry = st.from_gantry and rs.to_gantry = st.to_gantry and rs.kind = 'mainline'
                                        and st.bucket >= rs.valid_from and st.bucket < rs.valid_to
        where st.source = $1 and st.bucket >= $2 and st.bucket < $3`,
      [this.opts.source, new Date(start), new Date(start + intervals * INTERVAL_MS)],
    );
    for (const r of rows) {
      if (r.v === null) continue;
      const seg = net.segment(r.f, r.g);
      if (seg >= 0) grid.set(seg, (r.t - start) / INTERVAL_MS, r.c, r.v, r.q);
    }
    return grid;
  }

  private async reconcile(tx: Queryable, episodes: { e: Episode; net: SegmentNetwork }[], fromMs: number, nowMs: number) {
    const source = this.opts.source;
    const gapMs = (this.opts.detector.window - this.opts.detector.minActive + 1) * INTERVAL_MS;
    const existing = await tx.query<HotspotRow>(
      `select id, from_gantry, to_gantry, status, started_at, last_active_at, ended_at from hotspots
        where source = $1 and (started_at >= $2 or status in ('new', 'active')) and started_at < $3 order by started_at`,
      [source, new Date(fromMs), new Date(nowMs)],
    );
    const unmatched = new Map(existing.map((r) => [r.id, r]));
    let inserted = 0;
    let updated = 0;
    for (const { e, net } of episodes) {
      const seg = net.segments[e.segment]!;
      const match = [...unmatched.values()].find(
        (r) =>
          r.from_gantry === seg.fromGantry &&
          r.to_gantry === seg.toGantry &&
          r.started_at.getTime() < e.endMs &&
          (r.ended_at ?? r.last_active_at).getTime() + gapMs > e.startMs,
      );
      const status = e.ongoing ? (e.confirmed ? "active" : "new") : "cleared";
      const km = net.gantryKm[net.segTo[e.segment]!]!;
      const values = [
        status,
        e.severity,
        new Date(e.startMs),
        new Date(e.endMs),
        e.ongoing ? null : new Date(e.endMs),
        e.extentUpstreamKm,
        e.minSpeedKmh,
        e.delayVehicleHours,
      ];
      if (match) {
        unmatched.delete(match.id);
        await tx.query(
          `update hotspots set status = $2, severity = $3, started_at = $4, last_active_at = $5, ended_at = $6,
                  extent_upstream_km = $7, min_speed_kmh = $8, delay_vehicle_hours = $9, updated_at = now() where id = $1`,
          [match.id, ...values],
        );
        updated++;
      } else {
        await tx.query(
          `insert into hotspots (status, severity, started_at, last_active_at, ended_at, extent_upstream_km, min_speed_kmh,
                                 delay_vehicle_hours, from_gantry, to_gantry, freeway, direction, km, source)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
          [...values, seg.fromGantry, seg.toGantry, seg.freeway, seg.direction, km, source],
        );
        inserted++;
      }
    }
    // Rows no episode supports: inside the window they were recomputed away; an open row older than
    // the window (beyond maxLookback) is closed where it was last seen.
    let deleted = 0;
    for (const r of unmatched.values()) {
      if (r.started_at.getTime() >= fromMs || r.status === "new") {
        await tx.query("delete from hotspots where id = $1", [r.id]);
        deleted++;
      } else {
        await tx.query("update hotspots set status = 'cleared', ended_at = last_active_at, updated_at = now() where id = $1", [r.id]);
        updated++;
      }
    }
    const open = episodes.filter(({ e }) => e.ongoing).length;
    return { inserted, updated, deleted, open };
  }
}
