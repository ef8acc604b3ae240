import type { Queryable } from "../../core/db/database.ts";
import { TollwayError } from "../../core/errors/tollway-error.ts";

/** Read-only reference data: gantries (today's network) and toll zones (the published table). */
export interface Gantry {
  id: string;
  roadId: string;
  roadName: string;
  freeway: string;
  direction: "N" | "S" | "E" | "W";
  locationMile: string | null;
  km: number;
  lat: number | null;
  lon: number | null;
  sectionStart: string | null;
  sectionEnd: string | null;
  active: boolean;
}

export interface TollZone {
  gantryId: string;
  label: string;
  direction: string;
  zoneKm: number;
  carPriceTenths: number;
  fromInterchange: string | null;
  toInterchange: string | null;
  lat: number | null;
  lon: number | null;
}

interface GantryRow extends Record<string, unknown> {
  id: string;
  road_id: string;
  road_name: string;
  freeway: string;
  direction: Gantry["direction"];
  location_mile: string | null;
  km: number;
  lat: number | null;
  lon: number | null;
  section_start: string | null;
  section_end: string | null;
  active: boolean;
}

const toGantry = (r: GantryRow): Gantry => ({
  id: r.id,
  roadId: r.road_id,
  roadName: r.road_name,
  freeway: r.freeway,
  direction: r.direction,
  locationMile: r.location_mile ?? null,
  km: r.km,
  lat: r.lat ?? null,
  lon: r.lon ?? null,
  sectionStart: r.section_start ?? null,
  sectionEnd: r.section_end ?? null,
  active: r.active,
});

interface TollZoneRow extends Record<string, unknown> {
  gantry_id: string;
  label: string;
  direction: string;
  zone_km: number;
  car_price_tenths: number;
  from_interchange: string | null;
  to_interchange: string | null;
  lat: number | null;
  lon: number | null;
}

const toZone = (r: TollZoneRow): TollZone => ({
  gantryId: r.gantry_id,
  label: r.label,
  direction: r.direction,
  zoneKm: r.zone_km,
  carPriceTenths: r.car_price_tenths,
  fromInterchange: r.from_interchange ?? null,
  toInterchange: r.to_interchange ?? null,
  lat: r.lat ?? null,
  lon: r.lon ?? null,
});

export class ReferenceService {
  constructor(private readonly db: Queryable) {}

  async gantries(f: { freeway?: string; direction?: string; active?: boolean; fromKm?: number; toKm?: number }): Promise<Gantry[]> {
    const rows = await this.db.query<GantryRow>(
      `select * from gantries
       where ($1::text is null or freeway = $1) and ($2::text is null or direction = $2) and ($3::boolean is null or active = $3)
         and ($4::numeric is null or km >= $4) and ($5::numeric is null or km <= $5)
       order by freeway, direction, km, id`,
      [f.freeway ?? null, f.direction ?? null, f.active ?? null, f.fromKm ?? null, f.toKm ?? null],
    );
    return rows.map(toGantry);
  }

  async gantry(id: string): Promise<Gantry> {
    const r = await this.db.maybeOne<GantryRow>(`select * from gantries where id = $1`, [id]);
    if (!r) throw new TollwayError("not_found", `Gantry ${id} does not exist`);
    return toGantry(r);
  }

  async tollZones(f: { freeway?: string; direction?: string }): Promise<TollZone[]> {
    const rows = await this.db.query<TollZoneRow>(
      `select * from toll_zones where ($1::text is null or left(gantry_id, 3) = $1) and ($2::text is null or direction = $2) order by gantry_id`,
      [f.freeway ?? null, f.direction ?? null],
    );
    return rows.map(toZone);
  }
}
