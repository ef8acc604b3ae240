import type { Queryable } from "../../core/db/database.ts";
import { TollwayError } from "../../core/errors/tollway-error.ts";
import { validateCorridor, type Corridor, type CorridorSpec, type IntersectionSpec } from "./corridor.ts";

/** Corridors and their ordered intersections (tables corridors, intersections; settings jsonb). */

interface CorridorRow extends Record<string, unknown> {
  id: number;
  name: string;
  description: string | null;
  cycle_min_s: number;
  cycle_max_s: number;
  outbound_speed_min_ms: number;
  outbound_speed_max_ms: number;
  inbound_speed_min_ms: number;
  inbound_speed_max_ms: number;
  band_ratio: number;
  settings: { speedChange?: CorridorSpec["speedChange"]; equalBands?: boolean; measuredSpeeds?: CorridorSpec["measuredSpeeds"] };
  created_at: Date;
  updated_at: Date;
}

interface IntersectionRow extends Record<string, unknown> {
  id: number;
  seq: number;
  name: string;
  distance_m: number;
  lost_time_s: number | null;
  phases: IntersectionSpec["phases"];
  settings: { leftTurn?: IntersectionSpec["leftTurn"]; queueClearance?: IntersectionSpec["queueClearance"] };
  lat: number | null;
  lon: number | null;
}

export interface CorridorSummary {
  id: number;
  name: string;
  description: string | null;
  intersectionCount: number;
  activePlanId: number | null;
  createdAt: string;
}

function toCorridor(r: CorridorRow, rows: IntersectionRow[]): Corridor {
  return {
    id: r.id,
    name: r.name,
    ...(r.description !== null ? { description: r.description } : {}),
    cycleMinS: r.cycle_min_s,
    cycleMaxS: r.cycle_max_s,
    outboundSpeed: { minMs: r.outbound_speed_min_ms, maxMs: r.outbound_speed_max_ms },
    inboundSpeed: { minMs: r.inbound_speed_min_ms, maxMs: r.inbound_speed_max_ms },
    bandRatio: r.band_ratio,
    ...(r.settings.speedChange ? { speedChange: r.settings.speedChange } : {}),
    ...(r.settings.equalBands ? { equalBands: true } : {}),
    ...(r.settings.measuredSpeeds ? { measuredSpeeds: r.settings.measuredSpeeds } : {}),
    intersections: rows.map((i) => ({
      id: i.id,
      seq: i.seq,
      name: i.name,
      distanceM: i.distance_m,
      ...(i.lost_time_s !== null ? { lostTimeS: i.lost_time_s } : {}),
      phases: i.phases,
      ...(i.settings.leftTurn ? { leftTurn: i.settings.leftTurn } : {}),
      ...(i.settings.queueClearance ? { queueClearance: i.settings.queueClearance } : {}),
      ...(i.lat !== null ? { lat: i.lat } : {}),
      ...(i.lon !== null ? { lon: i.lon } : {}),
    })),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export class CorridorService {
  constructor(private readonly db: Queryable) {}

  async create(spec: CorridorSpec, q: Queryable = this.db): Promise<Corridor> {
    validateCorridor(spec);
    const exists = await q.maybeOne("select 1 from corridors where name = $1", [spec.name]);
    if (exists) throw new TollwayError("conflict", `A corridor named ${spec.name} exists`);
    const settings = {
      ...(spec.speedChange ? { speedChange: spec.speedChange } : {}),
      ...(spec.equalBands ? { equalBands: true } : {}),
      ...(spec.measuredSpeeds ? { measuredSpeeds: spec.measuredSpeeds } : {}),
    };
    const c = await q.one<{ id: number }>(
      `insert into corridors (name, description, cycle_min_s, cycle_max_s, outbound_speed_min_ms, outbound_speed_max_ms,
                              inbound_speed_min_ms, inbound_speed_max_ms, band_ratio, settings)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb) returning id`,
      [
        spec.name,
        spec.description ?? null,
        spec.cycleMinS,
        spec.cycleMaxS,
        spec.outboundSpeed.minMs,
        spec.outboundSpeed.maxMs,
        spec.inboundSpeed.minMs,
        spec.inboundSpeed.maxMs,
        spec.bandRatio,
        JSON.stringify(settings),
      ],
    );
    let seq = 0;
    for (const i of spec.intersections) {
      seq++;
      const s = { ...(i.leftTurn ? { leftTurn: i.leftTurn } : {}), ...(i.queueClearance ? { queueClearance: i.queueClearance } : {}) };
      await q.query(
        `insert into intersections (corridor_id, seq, name, distance_m, lost_time_s, phases, settings, lat, lon)
         values ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9)`,
        [c.id, seq, i.name, seq === 1 ? 0 : i.distanceM, i.lostTimeS ?? null, JSON.stringify(i.phases), JSON.stringify(s), i.lat ?? null, i.lon ?? null],
      );
    }
    return this.get(c.id, q);
  }

  async get(id: number, q: Queryable = this.db): Promise<Corridor> {
    const r = await q.maybeOne<CorridorRow>("select * from corridors where id = $1", [id]);
    if (!r) throw new TollwayError("not_found", `No corridor ${id}`);
    const rows = await q.query<IntersectionRow>(
      "select id, seq, name, distance_m, lost_time_s, phases, settings, lat, lon from intersections where corridor_id = $1 order by seq",
      [id],
    );
    return toCorridor(r, rows);
  }

  async list(q: Queryable = this.db): Promise<CorridorSummary[]> {
    const rows = await q.query<{ id: number; name: string; description: string | null; n: number; active: number | null; created_at: Date }>(
      `select c.id, c.name, c.description, c.created_at,
              (select count(*)::int from intersections i where i.corridor_id = c.id) as n,
              (select p.id from signal_plans p where p.corridor_id = c.id and p.status = 'active') as active
         from corridors c order by c.id`,
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      intersectionCount: r.n,
      activePlanId: r.active,
      createdAt: r.created_at.toISOString(),
    }));
  }
}
