import type { Queryable } from "../../core/db/database.ts";
import { TollwayError } from "../../core/errors/tollway-error.ts";
import { plateKey } from "../../core/vehicle/vehicle-class.ts";

/**
 * What operators ask of the traffic tables (counts, travel times, speeds, trips, hotspots), with
 * time and segment filters. Every time series query needs a period of at most maxSpanDays and
 * returns at most `limit` rows in time order, saying when it stopped early.
 */
export interface Period {
  fromMs: number;
  toMs: number;
}

export interface SegmentFilter extends Period {
  source: "computed" | "tdcs";
  fromGantry?: string;
  toGantry?: string;
  freeway?: string;
  direction?: string;
  vehicleClass?: number;
  limit: number;
}

export interface Limited<T> {
  items: T[];
  truncated: boolean;
}

export interface CountItem {
  bucket: string;
  gantryId: string;
  direction: string;
  vehicleClass: number;
  source: string;
  volume: number;
}

export interface SegmentStatItem {
  bucket: string;
  fromGantry: string;
  toGantry: string;
  vehicleClass: number;
  source: string;
  travelTimeS: number | null;
  speedKmh: number | null;
  volume: number;
}

export interface TripItem {
  id: number;
  vehicleKey: string;
  vehicleClass: number;
  startTs: string;
  endTs: string;
  startGantry: string;
  endGantry: string;
  lengthKm: number;
  tripEnd: boolean;
  source: string;
  path: { ts: string; gantry: string }[];
}

/** What hotspots and incidents share: an episode on a segment, where it is and how bad. */
export interface SegmentEpisode {
  id: number;
  fromGantry: string;
  toGantry: string;
  freeway: string;
  direction: string;
  km: number;
  severity: "minor" | "moderate" | "severe";
  startedAt: string;
  extentUpstreamKm: number;
}

export type SegmentEpisodeRow = {
  id: number;
  from_gantry: string;
  to_gantry: string;
  freeway: string;
  direction: string;
  km: number;
  severity: SegmentEpisode["severity"];
  started_at: Date;
  extent_upstream_km: number;
};

export function segmentEpisode(r: SegmentEpisodeRow): SegmentEpisode {
  return {
    id: Number(r.id),
    fromGantry: r.from_gantry,
    toGantry: r.to_gantry,
    freeway: r.freeway,
    direction: r.direction,
    km: Number(r.km),
    severity: r.severity,
    startedAt: r.started_at.toISOString(),
    extentUpstreamKm: Number(r.extent_upstream_km),
  };
}

export interface HotspotItem extends SegmentEpisode {
  status: "new" | "active" | "cleared";
  lastActiveAt: string;
  endedAt: string | null;
  minSpeedKmh: number | null;
  delayVehicleHours: number;
  source: string;
}
const DAY = 86_400_000;

export class TrafficQueries {
  constructor(
    private readonly db: Queryable,
    private readonly maxSpanDays = 31,
  ) {}

  /** Throws a 400 unless the period is non-empty and at most maxSpanDays long. */
  checkPeriod(p: Period): void {
    if (!(p.toMs > p.fromMs))
      throw new TollwayError("bad_request", "`to` must be after `from`", { fields: [{ field: "query.to", message: "must be after from" }] });
    if (p.toMs - p.fromMs > this.maxSpanDays * DAY) {
      throw new TollwayError("bad_request", `The period may span at most ${this.maxSpanDays} days`, {
        fields: [{ field: "query.to", message: `at most ${this.maxSpanDays} days after from` }],
      });
    }
  }

  /** An episode list's window (hotspots, incidents, prices): current ones, or a checked history period. */
  checkEpisodeWindow(f: { current: boolean; fromMs?: number | undefined; toMs?: number | undefined }): void {
    if (f.current) return;
    if (f.fromMs === undefined || f.toMs === undefined) {
      throw new TollwayError("bad_request", "History needs `from` and `to` (or ask for current=true)", {
        fields: [{ field: "query.from", message: "required unless current=true" }],
      });
    }
    this.checkPeriod({ fromMs: f.fromMs, toMs: f.toMs });
  }

  async counts(
    f: Period & { source: "ingest" | "tdcs"; gantryId?: string; direction?: string; vehicleClass?: number; limit: number },
  ): Promise<Limited<CountItem>> {
    this.checkPeriod(f);
    const rows = await this.db.query<{ b: Date; g: string; d: string; c: number; s: string; v: number }>(
      `select bucket as b, gantry_id as g, direction as d, vehicle_class as c, source as s, volume as v from vehicle_counts
        where source = $1 and bucket >= $2 and bucket < $3 and ($4::text is null or gantry_id = $4)
          and ($5::text is null or direction = $5) and ($6::smallint is null or vehicle_class = $6)
        order by bucket, gantry_id, vehicle_class limit $7`,
      [f.source, new Date(f.fromMs), new Date(f.toMs), f.gantryId ?? null, f.direction ?? null, f.vehicleClass ?? null, f.limit + 1],
    );
    return limited(rows, f.limit, (r) => ({ bucket: r.b.toISOString(), gantryId: r.g, direction: r.d, vehicleClass: r.c, source: r.s, volume: r.v }));
  }

  /** Travel times (kind 'travel': rows with a travel time) or speeds (kind 'speed': rows with a speed). */
  async segmentStats(f: SegmentFilter, kind: "travel" | "speed"): Promise<Limited<SegmentStatItem>> {
    this.checkPeriod(f);
    const has = kind === "travel" ? "st.travel_time_s is not null" : "st.speed_kmh is not null";
    const rows = await this.db.query<{ b: Date; f: string; t: string; c: number; s: string; tt: number | null; v: number | null; q: number }>(
      `select st.bucket as b, st.from_gantry as f, st.to_gantry as t, st.vehicle_class as c, st.source as s,
              st.travel_time_s as tt, st.speed_kmh as v, st.volume as q
         from segment_stats st
         left join network_segment_periods rs on rs.from_gantry = st.from_gantry and rs.to_gantry = st.to_gantry
                                             and st.bucket >= rs.valid_from and st.bucket < rs.valid_to
        where st.source = $1 and st.bucket >= $2 and st.bucket < $3 and ${has}
          and ($4::text is null or st.from_gantry = $4) and ($5::text is null or st.to_gantry = $5)
          and ($6::text is null or coalesce(rs.freeway, left(st.from_gantry, 3)) = $6)
          and ($7::text is null or coalesce(rs.direction, right(st.from_gantry, 1)) = $7)
          and ($8::smallint is null or st.vehicle_class = $8)
        order by st.bucket, st.from_gantry, st.to_gantry, st.vehicle_class limit $9`,
      [
        f.source,
        new Date(f.fromMs),
        new Date(f.toMs),
        f.fromGantry ?? null,
        f.toGantry ?? null,
        f.freeway ?? null,
        f.direction ?? null,
        f.vehicleClass ?? null,
        f.limit + 1,
      ],
    );
    return limited(rows, f.limit, (r) => ({
      bucket: r.b.toISOString(),
      fromGantry: r.f,
      toGantry: r.t,
      vehicleClass: r.c,
      source: r.s,
      travelTimeS: r.tt,
      speedKmh: r.v,
      volume: r.q,
    }));
  }

  /** A vehicle's trips (by tag, or plate for plate-only vehicles), newest first. */
  async trips(f: { tagId?: string; plate?: string; fromMs?: number; toMs?: number; source: "computed" | "tdcs"; limit: number }): Promise<Limited<TripItem>> {
    const key = f.tagId ?? (f.plate ? plateKey(f.plate) : undefined);
    if (!key || (f.tagId && f.plate)) {
      throw new TollwayError("bad_request", "Give exactly one of tagId or plate", {
        fields: [{ field: "query", message: "needs exactly one of tagId, plate" }],
      });
    }
    const rows = await this.db.query<{
      id: number;
      k: string;
      c: number;
      s: Date;
      e: Date;
      sg: string;
      eg: string;
      l: number;
      te: boolean;
      src: string;
      p: { ts: string; gantry: string }[];
    }>(
      `select id, vehicle_key as k, vehicle_class as c, start_ts as s, end_ts as e, start_gantry as sg, end_gantry as eg,
              length_km as l, trip_end as te, source as src, path as p
         from trips where vehicle_key = $1 and source = $2 and ($3::timestamptz is null or end_ts >= $3) and ($4::timestamptz is null or start_ts < $4)
        order by start_ts desc limit $5`,
      [key, f.source, f.fromMs === undefined ? null : new Date(f.fromMs), f.toMs === undefined ? null : new Date(f.toMs), f.limit + 1],
    );
    return limited(rows, f.limit, (r) => ({
      id: r.id,
      vehicleKey: r.k,
      vehicleClass: r.c,
      startTs: r.s.toISOString(),
      endTs: r.e.toISOString(),
      startGantry: r.sg,
      endGantry: r.eg,
      lengthKm: Number(r.l),
      tripEnd: r.te,
      source: r.src,
      path: r.p,
    }));
  }

  /**
   * Hotspots: `current` (new and active) or the history of a period (started before `to`, still
   * open or ended after `from`), ranked by vehicle-hours of delay.
   */
  async hotspots(f: {
    current: boolean;
    fromMs?: number;
    toMs?: number;
    status?: "new" | "active" | "cleared";
    freeway?: string;
    direction?: string;
    fromGantry?: string;
    source: "computed" | "tdcs";
    limit: number;
  }): Promise<Limited<HotspotItem>> {
    this.checkEpisodeWindow(f);
    const rows = await this.db.query<HotspotRow>(
      `select ${HOTSPOT_COLUMNS} from hotspots
        where source = $1 and ($2::boolean is false or status in ('new', 'active'))
          and ($3::timestamptz is null or coalesce(ended_at, 'infinity') >= $3) and ($4::timestamptz is null or started_at < $4)
          and ($5::text is null or status = $5) and ($6::text is null or freeway = $6) and ($7::text is null or direction = $7)
          and ($8::text is null or from_gantry = $8)
        order by delay_vehicle_hours desc, started_at desc, id limit $9`,
      [
        f.source,
        f.current,
        f.fromMs === undefined ? null : new Date(f.fromMs),
        f.toMs === undefined ? null : new Date(f.toMs),
        f.status ?? null,
        f.freeway ?? null,
        f.direction ?? null,
        f.fromGantry ?? null,
        f.limit + 1,
      ],
    );
    return limited(rows, f.limit, hotspotItem);
  }

  async hotspot(id: number): Promise<HotspotItem> {
    const r = await this.db.maybeOne<HotspotRow>(`select ${HOTSPOT_COLUMNS} from hotspots where id = $1`, [id]);
    if (!r) throw new TollwayError("not_found", `No hotspot ${id}`);
    return hotspotItem(r);
  }
}

const HOTSPOT_COLUMNS = `id, from_gantry, to_gantry, freeway, direction, km, status, severity, started_at, last_active_at, ended_at,
  extent_upstream_km, min_speed_kmh, delay_vehicle_hours, source`;

type HotspotRow = SegmentEpisodeRow & {
  status: HotspotItem["status"];
  last_active_at: Date;
  ended_at: Date | null;
  min_speed_kmh: number | null;
  delay_vehicle_hours: number;
  source: string;
};

function hotspotItem(r: HotspotRow): HotspotItem {
  return {
    ...segmentEpisode(r),
    status: r.status,
    lastActiveAt: r.last_active_at.toISOString(),
    endedAt: r.ended_at ? r.ended_at.toISOString() : null,
    minSpeedKmh: r.min_speed_kmh,
    delayVehicleHours: r.delay_vehicle_hours,
    source: r.source,
  };
}

function limited<R, T>(rows: R[], limit: number, map: (r: R) => T): Limited<T> {
  return { items: rows.slice(0, limit).map(map), truncated: rows.length > limit };
}
