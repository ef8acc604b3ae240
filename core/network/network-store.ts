import type { Database, Queryable } from "../db/database.ts";
import { TollwayError } from "../errors/tollway-error.ts";
import {
  gantriesOf2015,
  type GantryRecord,
  loadGantries,
  loadLinks,
  loadTollZones,
  loadVersionList,
  locationMile,
  networkDataDir,
  renumberGantries,
} from "../seed/network-data.ts";
import { linkPredecessors, type NetworkGantry, type NetworkVersionData, versionSegments } from "./network-version.ts";

/**
 * Network versions in the database (sql/650): the seeded ones built from the repository's lists,
 * and new ones an operator adds (API POST /v1/network/versions, CLI `bun run network`). Adding a
 * version re-applies the current network to gantries / road_segments and, through the trigger on
 * network_gantries, makes the ingest reload its reference data before its next group.
 */
export interface NetworkVersionSummary {
  code: string;
  validFrom: string;
  validTo: string | null;
  note: string;
  gantries: number;
  mainlineSegments: number;
  links: number;
  aliases: { oldId: string; newId: string }[];
}

export interface GantryInput {
  id: string;
  roadId?: string;
  roadName?: string;
  direction: "N" | "S" | "E" | "W";
  km?: number;
  lat?: number;
  lon?: number;
  sectionStart?: string;
  sectionEnd?: string;
}

export interface NewVersionRequest {
  code: string;
  /** ISO 8601 with zone. */
  validFrom: string;
  note?: string;
  /** The version it changes (default: the latest). */
  basedOn?: string;
  renumber?: { from: string; to: string }[];
  add?: GantryInput[];
  remove?: string[];
}

/** Builds the seeded versions from data/taiwan-freeway (network_versions.csv says which list and renumberings). */
export function seedVersions(dir = networkDataDir): NetworkVersionData[] {
  const g2025 = loadGantries(dir);
  const g2015 = gantriesOf2015(loadTollZones(dir), g2025);
  const links = loadLinks(dir);
  const out: NetworkVersionData[] = [];
  let prev: NetworkGantry[] | undefined;
  for (const v of loadVersionList(dir)) {
    const base = v.base === "toll_zones_2015" ? g2015 : g2025;
    const list = [...renumberGantries(base, v.renumber), ...v.add.map((id) => g2025.find((g) => g.id === id)!)];
    // An explicit renumbering links the new id to the base id when the previous version had it;
    // otherwise the same-site rule of linkPredecessors finds it (e.g. 01F0153N -> 01F0155N in 2025).
    const explicit = new Map([...v.renumber].filter(([from]) => prev?.some((g) => g.id === from)).map(([from, to]) => [to, from]));
    const gantries = linkPredecessors(prev, list, explicit);
    // Links as published name today's ids; a renumbered end takes the version's id.
    const renamed = links.map((l) => ({ fromGantry: v.renumber.get(l.fromGantry) ?? l.fromGantry, toGantry: v.renumber.get(l.toGantry) ?? l.toGantry }));
    out.push({
      code: v.code,
      validFrom: `${v.validFrom}T00:00:00+08:00`,
      note: v.evidence.join("; "),
      gantries,
      segments: versionSegments(gantries, renamed),
    });
    prev = gantries;
  }
  return out;
}

export async function insertVersion(q: Queryable, v: NetworkVersionData): Promise<void> {
  await q.query("insert into network_versions (code, valid_from, note) values ($1, $2, $3)", [v.code, v.validFrom, v.note]);
  const g = v.gantries;
  await q.query(
    `insert into network_gantries (version, id, road_id, road_name, freeway, direction, location_mile, km, lat, lon, section_start, section_end, predecessor, site)
     select $1, * from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::numeric[], $9::float8[], $10::float8[],
                              $11::text[], $12::text[], $13::text[], $14::text[])`,
    [
      v.code,
      g.map((x) => x.id),
      g.map((x) => x.roadId),
      g.map((x) => x.roadName),
      g.map((x) => x.freeway),
      g.map((x) => x.direction),
      g.map((x) => x.locationMile),
      g.map((x) => x.km),
      g.map((x) => (Number.isFinite(x.lat) ? x.lat : null)),
      g.map((x) => (Number.isFinite(x.lon) ? x.lon : null)),
      g.map((x) => x.sectionStart),
      g.map((x) => x.sectionEnd),
      g.map((x) => x.predecessor),
      g.map((x) => x.site),
    ],
  );
  const s = v.segments;
  await q.query(
    `insert into network_segments (version, from_gantry, to_gantry, freeway, direction, length_km, kind)
     select $1, * from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::numeric[], $7::text[])`,
    [
      v.code,
      s.map((x) => x.fromGantry),
      s.map((x) => x.toGantry),
      s.map((x) => x.freeway),
      s.map((x) => x.direction),
      s.map((x) => x.lengthKm),
      s.map((x) => x.kind),
    ],
  );
}

interface GantryRow extends Record<string, unknown> {
  id: string;
  road_id: string;
  road_name: string;
  freeway: string;
  direction: "N" | "S";
  location_mile: string;
  km: string;
  lat: number | null;
  lon: number | null;
  section_start: string;
  section_end: string;
  predecessor: string | null;
  site: string;
}

const ID_SHAPE = /^[0-9]{2}[0-9A-Z]{2}[0-9]{3}[NSEW]$/;
/** A renumbered gantry's km comes from its new id, so the id must carry one (01F0156N). */
const KM_ID_SHAPE = /^\d{2}[A-Z]\d{4}[NSEW]$/;

export class NetworkStore {
  constructor(private readonly db: Database) {}

  /** Seeds the repository's versions that are not stored yet; returns the codes added. */
  async seed(q: Queryable, dir = networkDataDir): Promise<string[]> {
    const have = new Set((await q.query<{ code: string }>("select code from network_versions")).map((r) => r.code));
    const added: string[] = [];
    for (const v of seedVersions(dir)) {
      if (have.has(v.code)) continue;
      await insertVersion(q, v);
      added.push(v.code);
    }
    return added;
  }

  async list(): Promise<NetworkVersionSummary[]> {
    const rows = await this.db.query<{
      code: string;
      valid_from: Date;
      valid_to: Date | null;
      note: string;
      g: number;
      m: number;
      l: number;
      aliases: { oldId: string; newId: string }[];
    }>(
      `select p.code, p.valid_from, nullif(p.valid_to, 'infinity') as valid_to, p.note,
              (select count(*)::int from network_gantries g where g.version = p.code) as g,
              (select count(*)::int from network_segments s where s.version = p.code and s.kind = 'mainline') as m,
              (select count(*)::int from network_segments s where s.version = p.code and s.kind = 'link') as l,
              coalesce((select jsonb_agg(jsonb_build_object('oldId', a.old_id, 'newId', a.new_id) order by a.new_id) from gantry_aliases a where a.version = p.code), '[]') as aliases
         from network_version_periods p order by p.valid_from`,
    );
    return rows.map((r) => ({
      code: r.code,
      validFrom: r.valid_from.toISOString(),
      validTo: r.valid_to ? r.valid_to.toISOString() : null,
      note: r.note,
      gantries: r.g,
      mainlineSegments: r.m,
      links: r.l,
      aliases: r.aliases,
    }));
  }

  /**
   * Adds a version: the base version's gantries with the renumberings, additions and removals applied,
   * chains derived again, links carried over (through renumberings). Then the current network is
   * re-applied, so a version valid from now on is in force at once.
   */
  async add(req: NewVersionRequest, inTx?: (tx: Queryable) => Promise<void>): Promise<NetworkVersionSummary> {
    const validFrom = new Date(req.validFrom);
    if (Number.isNaN(validFrom.getTime()))
      throw new TollwayError("bad_request", "validFrom: not a time", { fields: [{ field: "body.validFrom", message: "not a time" }] });
    await this.db.tx(async (tx) => {
      // One version change at a time: two operators adding versions do not interleave.
      await tx.query("lock table network_versions in share row exclusive mode");
      const dup = await tx.maybeOne("select 1 from network_versions where code = $1 or valid_from = $2", [req.code, validFrom]);
      if (dup) throw new TollwayError("conflict", `a network version with code ${req.code} or valid from ${validFrom.toISOString()} exists`);
      const base = req.basedOn ?? (await tx.maybeOne<{ code: string }>("select code from network_versions order by valid_from desc limit 1"))?.code ?? null;
      if (!base) throw new TollwayError("unprocessable", "no network version to base the new one on");
      const rows = await tx.query<GantryRow>("select * from network_gantries where version = $1 order by id", [base]);
      if (rows.length === 0) throw new TollwayError("not_found", `network version ${base} not found`);
      const prev: NetworkGantry[] = rows.map((r) => ({
        id: r.id,
        roadId: r.road_id,
        roadName: r.road_name,
        freeway: r.freeway,
        direction: r.direction,
        locationMile: r.location_mile,
        km: Number(r.km),
        lat: r.lat ?? Number.NaN,
        lon: r.lon ?? Number.NaN,
        sectionStart: r.section_start,
        sectionEnd: r.section_end,
        predecessor: r.predecessor,
        site: r.site,
      }));
      const byId = new Map(prev.map((g) => [g.id, g]));
      const problems: { field: string; message: string }[] = [];
      const renumber = new Map<string, string>();
      (req.renumber ?? []).forEach((r, i) => {
        if (!byId.has(r.from)) problems.push({ field: `body.renumber.${i}.from`, message: `${r.from} is not a gantry of version ${base}` });
        if (!KM_ID_SHAPE.test(r.to)) problems.push({ field: `body.renumber.${i}.to`, message: "not a mainline gantry id with its km (e.g. 01F0155N)" });
        else if (byId.has(r.to)) problems.push({ field: `body.renumber.${i}.to`, message: `${r.to} is already a gantry of version ${base}` });
        renumber.set(r.from, r.to);
      });
      (req.remove ?? []).forEach((id, i) => {
        if (!byId.has(id)) problems.push({ field: `body.remove.${i}`, message: `${id} is not a gantry of version ${base}` });
      });
      (req.add ?? []).forEach((g, i) => {
        if (!ID_SHAPE.test(g.id)) problems.push({ field: `body.add.${i}.id`, message: "not a TDCS gantry id (e.g. 01F0155N)" });
        else if (byId.has(g.id)) problems.push({ field: `body.add.${i}.id`, message: `${g.id} is already a gantry of version ${base}` });
      });
      if (problems.length) throw new TollwayError("unprocessable", "the new network version does not fit its base", { fields: problems });
      const removed = new Set(req.remove ?? []);
      const list: GantryRecord[] = renumberGantries(
        prev.filter((g) => !removed.has(g.id)),
        renumber,
      );
      for (const g of req.add ?? []) {
        const freeway = g.id.slice(0, 3);
        const km = g.km ?? (/^\d{4}$/.test(g.id.slice(3, 7)) ? Number(g.id.slice(3, 7)) / 10 : Number.NaN);
        if (!Number.isFinite(km))
          throw new TollwayError("unprocessable", `${g.id}: give its km`, { fields: [{ field: "body.add", message: `${g.id} has no km in its id` }] });
        const road = prev.find((p) => p.freeway === freeway);
        list.push({
          id: g.id,
          roadId: g.roadId ?? road?.roadId ?? freeway,
          roadName: g.roadName ?? road?.roadName ?? freeway,
          freeway,
          direction: g.direction as "N" | "S",
          locationMile: locationMile(km),
          km,
          lat: g.lat ?? Number.NaN,
          lon: g.lon ?? Number.NaN,
          sectionStart: g.sectionStart ?? "",
          sectionEnd: g.sectionEnd ?? "",
        });
      }
      const explicit = new Map([...renumber].map(([from, to]) => [to, from]));
      const gantries = linkPredecessors(prev, list, explicit);
      const links = await tx.query<{ f: string; t: string }>(
        "select from_gantry as f, to_gantry as t from network_segments where version = $1 and kind = 'link'",
        [base],
      );
      const segments = versionSegments(
        gantries,
        links.map((l) => ({ fromGantry: renumber.get(l.f) ?? l.f, toGantry: renumber.get(l.t) ?? l.t })),
      );
      await insertVersion(tx, { code: req.code, validFrom: validFrom.toISOString(), note: req.note ?? "", gantries, segments });
      await tx.query("select apply_current_network()");
      await inTx?.(tx);
    });
    const all = await this.list();
    return all.find((v) => v.code === req.code)!;
  }
}
