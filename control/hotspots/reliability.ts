import type { Queryable } from "../../core/db/database.ts";

/**
 * Travel-time reliability per segment over a period (FHWA definitions):
 *   TTI = mean travel time / free-flow travel time, PTI = 95th-percentile travel time / free-flow.
 * Per 5-min interval the classes combine into one travel time (volume-weighted mean; from the speed
 * when only M05A speeds exist: length / speed). The mean is volume-weighted over the intervals, the
 * 95th percentile is taken over the intervals with traffic. Free-flow time = length / free_flow_kmh.
 * Each interval is judged on the segments of the network version of its date (sql/650), so a
 * renumbered segment keeps its figures under the id of its time.
 */
export interface ReliabilityFilter {
  fromMs: number;
  toMs: number;
  source: "computed" | "tdcs";
  fromGantry?: string;
  freeway?: string;
  direction?: string;
  vehicleClass?: number;
}

export interface SegmentReliability {
  fromGantry: string;
  toGantry: string;
  lengthKm: number;
  freeFlowTravelTimeS: number;
  intervals: number;
  volume: number;
  meanTravelTimeS: number;
  p95TravelTimeS: number;
  tti: number;
  pti: number;
}

export async function segmentReliability(db: Queryable, f: ReliabilityFilter): Promise<SegmentReliability[]> {
  const rows = await db.query<{
    f: string;
    t: string;
    len: number;
    ff: number;
    n: number;
    vol: number;
    mean: number;
    p95: number;
  }>(
    `with per_interval as (
       select st.bucket, st.from_gantry, st.to_gantry, rs.length_km, rs.free_flow_kmh, sum(st.volume) as vol,
              sum(coalesce(st.travel_time_s, rs.length_km * 3600 / st.speed_kmh) * st.volume) / sum(st.volume) as tt
         from segment_stats st
         join network_segment_periods rs on rs.from_gantry = st.from_gantry and rs.to_gantry = st.to_gantry and rs.kind = 'mainline'
                                        and st.bucket >= rs.valid_from and st.bucket < rs.valid_to
        where st.source = $1 and st.bucket >= $2 and st.bucket < $3 and st.volume > 0
          and (st.travel_time_s > 0 or st.speed_kmh > 0)
          and ($4::text is null or st.from_gantry = $4) and ($5::text is null or rs.freeway = $5)
          and ($6::text is null or rs.direction = $6) and ($7::smallint is null or st.vehicle_class = $7)
        group by 1, 2, 3, 4, 5)
     select p.from_gantry as f, p.to_gantry as t, p.length_km::float8 as len,
            (p.length_km * 3600 / p.free_flow_kmh)::float8 as ff, count(*)::int as n, sum(p.vol)::float8 as vol,
            (sum(p.tt * p.vol) / sum(p.vol))::float8 as mean,
            percentile_cont(0.95) within group (order by p.tt)::float8 as p95
       from per_interval p
      group by p.from_gantry, p.to_gantry, p.length_km, p.free_flow_kmh
      order by (sum(p.tt * p.vol) / sum(p.vol)) / (p.length_km * 3600 / p.free_flow_kmh) desc, p.from_gantry`,
    [f.source, new Date(f.fromMs), new Date(f.toMs), f.fromGantry ?? null, f.freeway ?? null, f.direction ?? null, f.vehicleClass ?? null],
  );
  return rows.map((r) => ({
    fromGantry: r.f,
    toGantry: r.t,
    lengthKm: r.len,
    freeFlowTravelTimeS: r.ff,
    intervals: r.n,
    volume: r.vol,
    meanTravelTimeS: r.mean,
    p95TravelTimeS: r.p95,
    tti: r.mean / r.ff,
    pti: r.p95 / r.ff,
  }));
}
