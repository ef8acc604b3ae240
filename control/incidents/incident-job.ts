import type { Database, Queryable } from "../../core/db/database.ts";
import { silentLogger, type Logger } from "../../core/log/logger.ts";
import { zoneOffsetMs } from "../../core/time/local-time.ts";
import { classIndex, vehicleKey } from "../../core/vehicle/vehicle-class.ts";
import type { ControlJob } from "../jobs/control-job.ts";
import { DatedNetworks } from "../network/dated-networks.ts";
import type { SegmentNetwork } from "../network/segment-network.ts";
import { DEFAULT_INCIDENT_CONFIG, type IncidentConfig } from "./incident-config.ts";
import { type DetectedIncident, IncidentDetector } from "./incident-detector.ts";
import { TravelTimeProfile } from "./travel-time-profile.ts";

/**
 * Keeps `incidents` in step with the IncidentDetector, every period (30 s by default, on its own
 * scheduler and leader lease). The detector lives in memory and is fed the passages stored since
 * the last run (with an overlap for late reads; a vehicle's read at or before its last one is
 * ignored). On its first run, or after a day (the profile is reloaded), it is rebuilt from the
 * last `warmupMs` of passages, evaluated every period as if it had been running; rows of incidents
 * it finds again are adopted, open rows it does not find are cleared. Each run links incidents
 * to the hotspot of their segment that overlaps them.
 */
export interface IncidentJobOptions {
  config: IncidentConfig;
  periodMs: number;
  warmupMs: number;
  overlapMs: number;
  profileDays: number;
  rebuildAfterMs: number;
  timeZone: string;
  /** Where the time-of-day profile comes from (default: segment_stats, TravelTimeProfile.load). */
  profile?: (nowMs: number) => Promise<TravelTimeProfile>;
}

export const DEFAULT_INCIDENT_JOB: IncidentJobOptions = {
  config: DEFAULT_INCIDENT_CONFIG,
  periodMs: 30_000,
  warmupMs: 3600_000,
  overlapMs: 120_000,
  profileDays: 28,
  rebuildAfterMs: 86_400_000,
  timeZone: "Asia/Taipei",
};

export class IncidentJob implements ControlJob {
  readonly name = "incidents";
  private readonly opts: IncidentJobOptions;
  private detector: IncidentDetector | undefined;
  private builtAt = Number.NEGATIVE_INFINITY;
  private cursorMs = 0;
  private readonly rowOf = new Map<number, number>();
  private readonly networks: DatedNetworks;
  // The network the detector was built on: the one in force at its last rebuild.
  private network!: SegmentNetwork;

  /** `network`: one network for all times, or the network of each date (DatedNetworks). */
  constructor(
    private readonly db: Database,
    network: SegmentNetwork | DatedNetworks,
    private readonly logger: Logger = silentLogger,
    opts: Partial<IncidentJobOptions> = {},
  ) {
    this.opts = { ...DEFAULT_INCIDENT_JOB, ...opts };
    this.networks = DatedNetworks.of(network);
  }

  async runOnce(nowMs: number): Promise<void> {
    const current = await this.networks.at(nowMs);
    if (!current) return;
    // A new network version (gantries renumbered or opened) starts a new detector on it.
    const rebuild = !this.detector || current !== this.network || nowMs - this.builtAt >= this.opts.rebuildAfterMs || nowMs < this.cursorMs;
    if (rebuild) {
      this.network = current;
      const o = this.opts;
      const profile = o.profile
        ? await o.profile(nowMs)
        : await TravelTimeProfile.load(this.db, this.network, {
            nowMs,
            days: o.profileDays,
            timeZone: o.timeZone,
            utcOffsetMs: zoneOffsetMs(new Date(nowMs), o.timeZone),
          });
      this.detector = new IncidentDetector(this.network, profile, this.opts.config);
      this.rowOf.clear();
      this.builtAt = nowMs;
      this.cursorMs = nowMs - this.opts.warmupMs;
    }
    const detector = this.detector!;
    const from = rebuild ? this.cursorMs : this.cursorMs - this.opts.overlapMs;
    const rows = await this.db.query<{ t: number; g: string; tag: string | null; plate: string | null; c: number }>(
      `select (extract(epoch from ts) * 1000)::float8 as t, gantry_id as g, tag_id as tag, plate, vehicle_class as c
         from passages where ts >= $1 and ts < $2 order by ts`,
      [new Date(from), new Date(nowMs)],
    );
    const changed = new Map<number, DetectedIncident>();
    const period = this.opts.periodMs;
    // A rebuild evaluates every period of the warm-up, as the job would have.
    let next = rebuild ? Math.floor(from / period) * period + period : nowMs;
    for (const r of rows) {
      while (next <= r.t && next < nowMs) {
        for (const inc of detector.evaluate(next)) changed.set(inc.key, inc);
        next += period;
      }
      const key = vehicleKey(r.tag, r.plate);
      if (key) detector.observe(r.t, this.network.gantry(r.g), key, classIndex(r.c));
    }
    for (const inc of detector.evaluate(nowMs)) changed.set(inc.key, inc);
    this.cursorMs = nowMs;
    await this.db.tx(async (tx) => {
      for (const inc of changed.values()) await this.store(tx, inc);
      if (rebuild) {
        // Open rows the rebuilt detector does not see any more ended while no one was watching.
        const kept = [...this.rowOf.values()];
        await tx.query(
          "update incidents set status = 'cleared', cleared_at = $1, updated_at = now() where status <> 'cleared' and not (id = any($2::bigint[]))",
          [new Date(nowMs), kept],
        );
      }
      await linkHotspots(tx, nowMs);
    });
    if (changed.size > 0) {
      this.logger.info("incidents updated", {
        changed: changed.size,
        open: detector.openIncidents().length,
        rebuilt: rebuild,
        passages: rows.length,
      });
    }
  }

  private async store(tx: Queryable, inc: DetectedIncident): Promise<void> {
    const net = this.network;
    const seg = net.segments[inc.head]!;
    const queue = inc.segments.filter((s) => s !== inc.head).map((s) => `${net.segments[s]!.fromGantry}>${net.segments[s]!.toGantry}`);
    let id = this.rowOf.get(inc.key);
    if (id === undefined) {
      // The same incident stored before a restart (or before its head moved downstream).
      const found = await tx.maybeOne<{ id: number }>(
        `select id from incidents where from_gantry = $1 and to_gantry = $2
            and (status <> 'cleared' or abs(extract(epoch from started_at - $3::timestamptz)) < 600)
          order by raised_at desc limit 1`,
        [seg.fromGantry, seg.toGantry, new Date(inc.startedAtMs)],
      );
      id = found ? Number(found.id) : undefined;
    }
    const values = [
      seg.fromGantry,
      seg.toGantry,
      seg.freeway,
      seg.direction,
      net.gantryKm[net.segTo[inc.head]!]!,
      inc.status,
      inc.severity,
      new Date(inc.startedAtMs),
      new Date(inc.raisedAtMs),
      inc.confirmedAtMs === null ? null : new Date(inc.confirmedAtMs),
      inc.clearedAtMs === null ? null : new Date(inc.clearedAtMs),
      inc.overdueVehicles,
      inc.longestOverdueS,
      inc.expectedTravelTimeS,
      Number.isFinite(inc.speedBoundKmh) ? inc.speedBoundKmh : null,
      inc.extentUpstreamKm,
      queue,
    ];
    if (id === undefined) {
      const r = await tx.maybeOne<{ id: number }>(
        `insert into incidents (from_gantry, to_gantry, freeway, direction, km, status, severity, started_at, raised_at, confirmed_at, cleared_at,
                                overdue_vehicles, longest_overdue_s, expected_travel_time_s, speed_bound_kmh, extent_upstream_km, queue_segments)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) returning id`,
        values,
      );
      id = Number(r!.id);
    } else {
      await tx.query(
        `update incidents set from_gantry = $2, to_gantry = $3, freeway = $4, direction = $5, km = $6, status = $7, severity = $8,
                started_at = least(started_at, $9), raised_at = least(raised_at, $10), confirmed_at = coalesce(confirmed_at, $11), cleared_at = $12,
                overdue_vehicles = greatest(overdue_vehicles, $13), longest_overdue_s = greatest(longest_overdue_s, $14), expected_travel_time_s = $15,
                speed_bound_kmh = $16, extent_upstream_km = $17, queue_segments = $18, updated_at = now()
          where id = $1`,
        [id, ...values],
      );
    }
    this.rowOf.set(inc.key, id);
  }
}

/** Links each recent incident without a hotspot to the hotspot of its segment that overlaps it. */
async function linkHotspots(tx: Queryable, nowMs: number): Promise<void> {
  await tx.query(
    `update incidents i set hotspot_id = h.id, updated_at = now()
       from hotspots h
      where i.hotspot_id is null and i.raised_at > $1::timestamptz - interval '1 day'
        and h.from_gantry = i.from_gantry and h.to_gantry = i.to_gantry
        and h.started_at <= coalesce(i.cleared_at, $1) + interval '15 minutes'
        and coalesce(h.ended_at, 'infinity') >= i.started_at - interval '15 minutes'`,
    [new Date(nowMs)],
  );
}
