import { join } from "node:path";
import { parseCsvObjects, readCsvText } from "../csv/csv.ts";

/**
 * The real Taiwan freeway network (Freeway Bureau, MOTC; Taiwan Government Open Data License 1.0),
 * read from data/taiwan-freeway in this repository.
 */
export const networkDataDir = join(import.meta.dir, "..", "..", "data", "taiwan-freeway");

export interface GantryRecord {
  id: string;
  roadId: string;
  roadName: string;
  freeway: string;
  direction: "N" | "S";
  locationMile: string;
  km: number;
  lat: number;
  lon: number;
  sectionStart: string;
  sectionEnd: string;
}

export interface TollZoneRecord {
  gantryId: string;
  label: string;
  direction: "N" | "S";
  zoneKm: number;
  /** Zone length in 0.1 km, exact. */
  zoneKmTenths: number;
  carPriceTenths: number;
  fromInterchange: string;
  toInterchange: string;
  lat: number;
  lon: number;
}

export interface SegmentRecord {
  fromGantry: string;
  toGantry: string;
  freeway: string;
  direction: string;
  lengthKm: number;
}

const tenths = (s: string) => Math.round(Number(s) * 10);

export function loadGantries(dir = networkDataDir): GantryRecord[] {
  return parseCsvObjects(readCsvText(join(dir, "gantries_2025.csv"))).map((r) => ({
    id: r.gantry_id!,
    roadId: r.road_id!,
    roadName: r.road_name!,
    freeway: r.gantry_id!.slice(0, 3),
    direction: r.direction as "N" | "S",
    locationMile: r.location_mile!,
    km: Number(r.km),
    lat: Number(r.lat),
    lon: Number(r.lon),
    sectionStart: r.section_start!,
    sectionEnd: r.section_end!,
  }));
}

export function loadTollZones(dir = networkDataDir): TollZoneRecord[] {
  return parseCsvObjects(readCsvText(join(dir, "toll_zones_2015.csv"))).map((r) => ({
    gantryId: r.gantry_id!,
    label: r.gantry_label!,
    direction: r.direction as "N" | "S",
    zoneKm: Number(r.zone_km),
    zoneKmTenths: tenths(r.zone_km!),
    carPriceTenths: tenths(r.small_car_price_ntd!),
    fromInterchange: r.from_interchange!,
    toInterchange: r.to_interchange!,
    lat: Number(r.lat),
    lon: Number(r.lon),
  }));
}

/**
 * Consecutive gantries of one freeway and direction, in the direction of travel: southbound km
 * increase, northbound km decrease (every gantry of this network is N or S).
 */
export function deriveSegments(gantries: readonly GantryRecord[]): SegmentRecord[] {
  const groups = new Map<string, GantryRecord[]>();
  for (const g of gantries) {
    const key = `${g.freeway}${g.direction}`;
    const list = groups.get(key) ?? [];
    list.push(g);
    groups.set(key, list);
  }
  const segments: SegmentRecord[] = [];
  for (const list of groups.values()) {
    const ordered = [...list].sort((a, b) => (a.direction === "S" ? a.km - b.km : b.km - a.km));
    for (let i = 1; i < ordered.length; i++) {
      const from = ordered[i - 1]!;
      const to = ordered[i]!;
      const lengthKm = Math.round(Math.abs(to.km - from.km) * 10) / 10;
      if (lengthKm > 0) segments.push({ fromGantry: from.id, toGantry: to.id, freeway: from.freeway, direction: from.direction, lengthKm });
    }
  }
  return segments;
}

/**
 * Maps each 2015 toll zone onto a 2025 gantry: the same id when it still exists, otherwise the nearest
 * gantry of the same freeway and direction within 3 km that has no zone of its own (gantries that
 * moved or were renumbered, e.g. 01F0339N -> 01F0340N). Zones with no such gantry stay unmapped.
 */
export function mapZonesToGantries(zones: readonly TollZoneRecord[], gantries: readonly GantryRecord[]): Map<string, string> {
  const ids = new Set(gantries.map((g) => g.id));
  const taken = new Set(zones.filter((z) => ids.has(z.gantryId)).map((z) => z.gantryId));
  const mapping = new Map<string, string>();
  for (const z of zones) {
    if (ids.has(z.gantryId)) {
      mapping.set(z.gantryId, z.gantryId);
      continue;
    }
    const freeway = z.gantryId.slice(0, 3);
    const km = Number(z.gantryId.slice(3, 7)) / 10;
    let best: GantryRecord | undefined;
    for (const g of gantries) {
      if (g.freeway !== freeway || g.direction !== z.direction || taken.has(g.id)) continue;
      if (Math.abs(g.km - km) <= 3 && (!best || Math.abs(g.km - km) < Math.abs(best.km - km))) best = g;
    }
    if (best) {
      mapping.set(z.gantryId, best.id);
      taken.add(best.id);
    }
  }
  return mapping;
}
