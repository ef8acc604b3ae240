import type { Queryable } from "../../core/db/database.ts";
import { TollwayError } from "../../core/errors/tollway-error.ts";
import { type Limited, type SegmentEpisode, type SegmentEpisodeRow, segmentEpisode, TrafficQueries } from "../queries/traffic-queries.ts";

/** An incident as the API shows it (table `incidents`, written by the incident job). */
export interface IncidentItem extends SegmentEpisode {
  status: "raised" | "confirmed" | "cleared";
  raisedAt: string;
  confirmedAt: string | null;
  clearedAt: string | null;
  overdueVehicles: number;
  longestOverdueS: number;
  expectedTravelTimeS: number;
  speedBoundKmh: number | null;
  queueSegments: string[];
  hotspotId: number | null;
}
/** The read side of `incidents`: current ones, or the history of a period (at most 31 days). */
export class IncidentQueries {
  constructor(private readonly db: Queryable) {}

  async incidents(f: {
    current: boolean;
    fromMs?: number;
    toMs?: number;
    status?: IncidentItem["status"];
    severity?: IncidentItem["severity"];
    freeway?: string;
    direction?: string;
    limit: number;
  }): Promise<Limited<IncidentItem>> {
    new TrafficQueries(this.db).checkEpisodeWindow(f);
    const rows = await this.db.query<IncidentRow>(
      `select ${COLUMNS} from incidents
        where ($1::boolean is false or status <> 'cleared')
          and ($2::timestamptz is null or coalesce(cleared_at, 'infinity') >= $2) and ($3::timestamptz is null or raised_at < $3)
          and ($4::text is null or status = $4) and ($5::text is null or severity = $5)
          and ($6::text is null or freeway = $6) and ($7::text is null or direction = $7)
        order by raised_at desc, id desc limit $8`,
      [
        f.current,
        f.fromMs === undefined ? null : new Date(f.fromMs),
        f.toMs === undefined ? null : new Date(f.toMs),
        f.status ?? null,
        f.severity ?? null,
        f.freeway ?? null,
        f.direction ?? null,
        f.limit + 1,
      ],
    );
    return { items: rows.slice(0, f.limit).map(item), truncated: rows.length > f.limit };
  }

  async incident(id: number): Promise<IncidentItem> {
    const r = await this.db.maybeOne<IncidentRow>(`select ${COLUMNS} from incidents where id = $1`, [id]);
    if (!r) throw new TollwayError("not_found", `No incident ${id}`);
    return item(r);
  }
}

const COLUMNS = `id, from_gantry, to_gantry, freeway, direction, km, status, severity, started_at, raised_at, confirmed_at, cleared_at,
  overdue_vehicles, longest_overdue_s, expected_travel_time_s, speed_bound_kmh, extent_upstream_km, queue_segments, hotspot_id`;

type IncidentRow = SegmentEpisodeRow & {
  status: IncidentItem["status"];
  raised_at: Date;
  confirmed_at: Date | null;
  cleared_at: Date | null;
  overdue_vehicles: number;
  longest_overdue_s: number;
  expected_travel_time_s: number;
  speed_bound_kmh: number | null;
  queue_segments: string[];
  hotspot_id: number | null;
};

function item(r: IncidentRow): IncidentItem {
  return {
    ...segmentEpisode(r),
    status: r.status,
    raisedAt: r.raised_at.toISOString(),
    confirmedAt: r.confirmed_at ? r.confirmed_at.toISOString() : null,
    clearedAt: r.cleared_at ? r.cleared_at.toISOString() : null,
    overdueVehicles: r.overdue_vehicles,
    longestOverdueS: r.longest_overdue_s,
    expectedTravelTimeS: r.expected_travel_time_s,
    speedBoundKmh: r.speed_bound_kmh,
    queueSegments: r.queue_segments,
    hotspotId: r.hotspot_id === null ? null : Number(r.hotspot_id),
  };
}
