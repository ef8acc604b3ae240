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

const toGantry = (r: Record<string, unknown>): Gantry => ({
  id: r.id as string,
  roadId: r.road_id as string,
  roadName: r.road_name as string,
  freeway: r.freeway as string,
  direction: r.direction as Gantry["direction"],
  locationMile: (r.location_mile as string | null) ?? null,
  km: r.km as number,
  lat: (r.lat as number | null) ?? null,
  lon: (r.lon as number | null) ?? null,
  sectionStart: (r.section_start as string | null) ?? null,
  sectionEnd: (r.section_end as string | null) ?? null,
  active: r.active as boolean,
});

const toZone = (r: Record<string, unknown>): TollZone => ({
  gantryId: r.gantry_id as string,
  label: r.label as string,
  direction: r.direction as string,
  zoneKm: r.zone_km as number,
  carPriceTenths: r.car_price_tenths as number,
  fromInterchange: (r.from_interchange as string | null) ?? null,
  toInterchange: (r.to_interchange as string | null) ?? null,
  lat: (r.lat as number | null) ?? null,
  lon: (r.lon as number | null) ?? null,
});

export class ReferenceService {
  constructor(private readonly db: Queryable) {}

  async gantries(f: { freeway?: string; direction?: string; active?: boolean; fromKm?: number; toKm?: number }): Promise<Gantry[]> {
    const rows = await this.db.query(
      `select * from gantries
       where ($1::text is null or freeway = $1) and ($2::text is null or direction = $2) and ($3::boolean is null or active = $3)
         and ($4::numeric is null or km >= $4) and ($5::numeric is null or km <= $5)
       order by freeway, direction, km, id`,
      [f.freeway ?? null, f.direction ?? null, f.active ?? null, f.fromKm ?? null, f.toKm ?? null],
    );
    return rows.map(toGantry);
  }

  async gantry(id: string): Promise<Gantry> {
    const r = await this.db.maybeOne(`select * from gantries where id = $1`, [id]);
    if (!r) throw new TollwayError("not_found", `Gantry ${id} does not exist`);
    return toGantry(r);
  }

  async tollZones(f: { freeway?: string; direction?: string }): Promise<TollZone[]> {
    const rows = await this.db.query(
      `select * from toll_zones where ($1::text is null or left(gantry_id, 3) = $1) and ($2::text is null or direction = $2) order by gantry_id`,
      [f.freeway ?? null, f.direction ?? null],
    );
    return rows.map(toZone);
  }
}
