import type { Queryable } from "../../core/db/database.ts";

/**
 * Every network version at once (sql/650), for work that spans dates: which version is in force at a
 * time, and where a gantry or gantry pair of a Bureau file belongs on that version's network:
 *  - used: the version has it under this id;
 *  - aliased: the id is another version's name for a site of this version (a renumbered or moved
 *    gantry), so it is placed under this version's id;
 *  - unplaced: no version knows the site, or the pair is not a segment or link of the version.
 */
export type Placement = "used" | "aliased" | "unplaced";

export interface VersionGrid {
  code: string;
  fromMs: number;
  toMs: number;
  /** gantry id -> direction, ordered by id. */
  gantries: Map<string, string>;
  /** "from>to" -> kind, mainline segments and links, ordered by from then to. */
  pairs: Map<string, "mainline" | "link">;
  /** site -> this version's gantry id. */
  bySite: Map<string, string>;
}

export class NetworkHistory {
  private constructor(
    readonly versions: readonly VersionGrid[],
    /** any version's gantry id -> its site(s). */
    private readonly sitesOf: Map<string, Set<string>>,
  ) {}

  static async load(db: Queryable): Promise<NetworkHistory> {
    const vs = await db.query<{ code: string; valid_from: Date; valid_to: Date | null }>(
      "select code, valid_from, nullif(valid_to, 'infinity') as valid_to from network_version_periods order by valid_from",
    );
    const gs = await db.query<{ version: string; id: string; direction: string; site: string }>(
      "select version, id, direction, site from network_gantries order by version, id",
    );
    const ss = await db.query<{ version: string; f: string; t: string; kind: "mainline" | "link" }>(
      "select version, from_gantry as f, to_gantry as t, kind from network_segments order by version, from_gantry, to_gantry",
    );
    const versions = new Map<string, VersionGrid>(
      vs.map((v) => [
        v.code,
        {
          code: v.code,
          fromMs: v.valid_from.getTime(),
          toMs: v.valid_to ? v.valid_to.getTime() : Number.POSITIVE_INFINITY,
          gantries: new Map(),
          pairs: new Map(),
          bySite: new Map(),
        },
      ]),
    );
    const sitesOf = new Map<string, Set<string>>();
    for (const g of gs) {
      const v = versions.get(g.version)!;
      v.gantries.set(g.id, g.direction);
      v.bySite.set(g.site, g.id);
      let s = sitesOf.get(g.id);
      if (!s) sitesOf.set(g.id, (s = new Set()));
      s.add(g.site);
    }
    for (const s of ss) versions.get(s.version)!.pairs.set(`${s.f}>${s.t}`, s.kind);
    return new NetworkHistory([...versions.values()], sitesOf);
  }

  /** The version in force at the time (undefined before the first). */
  at(ms: number): VersionGrid | undefined {
    for (let i = this.versions.length - 1; i >= 0; i--) {
      const v = this.versions[i]!;
      if (v.fromMs <= ms) return v;
    }
    return undefined;
  }

  /** The versions that overlap [fromMs, toMs), each clipped to it. */
  spans(fromMs: number, toMs: number): { version: VersionGrid; fromMs: number; toMs: number }[] {
    return this.versions
      .filter((v) => v.fromMs < toMs && v.toMs > fromMs)
      .map((v) => ({ version: v, fromMs: Math.max(fromMs, v.fromMs), toMs: Math.min(toMs, v.toMs) }));
  }

  /** This version's id for a gantry id of any version, or undefined. */
  resolve(v: VersionGrid, id: string): string | undefined {
    if (v.gantries.has(id)) return id;
    const sites = this.sitesOf.get(id);
    if (!sites) return undefined;
    for (const s of sites) {
      const here = v.bySite.get(s);
      if (here) return here;
    }
    return undefined;
  }

  placeGantry(ms: number, id: string): { placement: Placement; id: string } {
    const v = this.at(ms);
    if (!v) return { placement: "unplaced", id };
    if (v.gantries.has(id)) return { placement: "used", id };
    const here = this.resolve(v, id);
    return here ? { placement: "aliased", id: here } : { placement: "unplaced", id };
  }

  placePair(ms: number, from: string, to: string): { placement: Placement; from: string; to: string } {
    const v = this.at(ms);
    if (!v) return { placement: "unplaced", from, to };
    if (v.pairs.has(`${from}>${to}`)) return { placement: "used", from, to };
    const f = this.resolve(v, from);
    const t = this.resolve(v, to);
    if (f && t && v.pairs.has(`${f}>${t}`)) return { placement: "aliased", from: f, to: t };
    return { placement: "unplaced", from, to };
  }
}
