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
 * increase, northbound km decrease (every gantry of this network is N or S). A gantry whose id carries
 * no mainline km (05FR113S, 05FR143N: ramp gantries, km of their own branch) is not on the chain; the
 * Bureau publishes its pairs (05FR113S > 05F0439S) as links, like junctions (network_links.csv).
 */
export function deriveSegments(gantries: readonly GantryRecord[]): SegmentRecord[] {
  const groups = new Map<string, GantryRecord[]>();
  for (const g of gantries) {
    if (!MAINLINE_ID.test(g.id)) continue;
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

/** A gantry id that encodes its mainline km (01F0017N); the ramp gantry 05FR113S does not. */
export const MAINLINE_ID = /^\d{2}[A-Z]\d{4}[A-Z]$/;

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

export interface LinkRecord {
  fromGantry: string;
  toGantry: string;
}

/** The off-chain gantry pairs the Bureau publishes in M04A/M05A (junctions, U-turns), as in its 2024 files. */
export function loadLinks(dir = networkDataDir): LinkRecord[] {
  return parseCsvObjects(readCsvText(join(dir, "network_links.csv"))).map((r) => ({ fromGantry: r.from_gantry!, toGantry: r.to_gantry! }));
}

export interface VersionListRecord {
  code: string;
  /** Local date (Asia/Taipei) the version starts. */
  validFrom: string;
  base: "toll_zones_2015" | "gantries_2025";
  /** id in the base list -> id in this version. */
  renumber: Map<string, string>;
  /** Gantries added to the base list (taken from the 2025 list). */
  add: string[];
  evidence: string[];
}

/**
 * network_versions.csv: each version, the list it is built from, its renumberings (renumber_from ->
 * renumber_to) and additions (renumber_to alone: a gantry of the 2025 list), oldest first.
 */
export function loadVersionList(dir = networkDataDir): VersionListRecord[] {
  const out = new Map<string, VersionListRecord>();
  for (const r of parseCsvObjects(readCsvText(join(dir, "network_versions.csv")))) {
    let v = out.get(r.version!);
    if (!v) {
      v = { code: r.version!, validFrom: r.valid_from!, base: r.base as VersionListRecord["base"], renumber: new Map(), add: [], evidence: [] };
      out.set(v.code, v);
    }
    if (r.renumber_from) v.renumber.set(r.renumber_from, r.renumber_to!);
    else if (r.renumber_to) v.add.push(r.renumber_to);
    if (r.evidence && !v.evidence.includes(r.evidence)) v.evidence.push(r.evidence);
  }
  return [...out.values()].sort((a, b) => a.validFrom.localeCompare(b.validFrom));
}

/**
 * The 2015 gantry list, from the toll-zone table: ids still in the 2025 list keep its attributes;
 * the others take their road from the 2025 gantries of the same freeway, km from the id, position and
 * section from the table.
 */
export function gantriesOf2015(zones: readonly TollZoneRecord[], gantries2025: readonly GantryRecord[]): GantryRecord[] {
  const byId = new Map(gantries2025.map((g) => [g.id, g]));
  return zones.map((z) => {
    const same = byId.get(z.gantryId);
    if (same) return same;
    const freeway = z.gantryId.slice(0, 3);
    const km = Number(z.gantryId.slice(3, 7)) / 10;
    const road = gantries2025
      .filter((g) => g.freeway === freeway)
      .reduce<GantryRecord | undefined>((best, g) => (!best || Math.abs(g.km - km) < Math.abs(best.km - km) ? g : best), undefined)!;
    return {
      id: z.gantryId,
      roadId: road.roadId,
      roadName: road.roadName,
      freeway,
      direction: z.direction,
      locationMile: locationMile(km),
      km,
      lat: z.lat,
      lon: z.lon,
      sectionStart: z.fromInterchange,
      sectionEnd: z.toInterchange,
    };
  });
}

/** A gantry list with ids renumbered (old -> new): km and posted location follow the new id. */
export function renumberGantries(list: readonly GantryRecord[], renumber: ReadonlyMap<string, string>): GantryRecord[] {
  return list.map((g) => {
    const id = renumber.get(g.id);
    if (!id) return g;
    const km = Number(id.slice(3, 7)) / 10;
    return { ...g, id, km, locationMile: locationMile(km) };
  });
}

/** km written as the Bureau posts it: 15.3 -> "15K+300". */
export function locationMile(km: number): string {
  const m = Math.round(km * 1000);
  return `${Math.floor(m / 1000)}K+${String(m % 1000).padStart(3, "0")}`;
}
