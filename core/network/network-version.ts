import { deriveSegments, type GantryRecord } from "../seed/network-data.ts";

/**
 * One version of the road network: its gantry list (each gantry linked to its predecessor at the same
 * site when it was renumbered or moved), the mainline chains derived from it and the off-chain pairs
 * the Bureau publishes (links). Pure data, built the same way by the seeder and by an operator's new
 * version (network-store.ts).
 */
export interface NetworkGantry extends GantryRecord {
  /** Id at the same site in the previous version, when it differs. */
  predecessor: string | null;
  /** Id of the first gantry of the predecessor chain: stable across renumberings. */
  site: string;
}

export interface NetworkSegment {
  fromGantry: string;
  toGantry: string;
  freeway: string;
  direction: string;
  /** null for links (a junction or U-turn pair has no chain length). */
  lengthKm: number | null;
  kind: "mainline" | "link";
}

export interface NetworkVersionData {
  code: string;
  /** ISO 8601 with zone. */
  validFrom: string;
  note: string;
  gantries: NetworkGantry[];
  segments: NetworkSegment[];
}

/** How far (km) a gantry may move and still be the same site. */
export const SAME_SITE_KM = 3;

/**
 * Links each gantry of `next` to `prev`: the same id is the same gantry; `renumbered` (new id -> old
 * id) names explicit renumberings; any other new id takes the nearest gantry of `prev` that left the
 * network (same freeway and direction, within 3 km), nearest pairs first.
 */
export function linkPredecessors(
  prev: readonly NetworkGantry[] | undefined,
  next: readonly GantryRecord[],
  renumbered = new Map<string, string>(),
): NetworkGantry[] {
  const before = new Map((prev ?? []).map((g) => [g.id, g]));
  const nextIds = new Set(next.map((g) => g.id));
  const predecessor = new Map<string, string>();
  for (const [to, from] of renumbered) if (before.has(from)) predecessor.set(to, from);
  const taken = new Set(predecessor.values());
  const left = [...before.values()].filter((g) => !nextIds.has(g.id) && !taken.has(g.id));
  const arrived = next.filter((g) => !before.has(g.id) && !predecessor.has(g.id));
  const candidates: { to: string; from: string; d: number }[] = [];
  for (const a of arrived) {
    for (const l of left) {
      const d = Math.abs(a.km - l.km);
      if (a.freeway === l.freeway && a.direction === l.direction && d <= SAME_SITE_KM) candidates.push({ to: a.id, from: l.id, d });
    }
  }
  candidates.sort((x, y) => x.d - y.d || x.to.localeCompare(y.to));
  for (const c of candidates) {
    if (predecessor.has(c.to) || taken.has(c.from)) continue;
    predecessor.set(c.to, c.from);
    taken.add(c.from);
  }
  return next.map((g) => {
    const p = predecessor.get(g.id) ?? null;
    const site = before.get(g.id)?.site ?? (p ? before.get(p)!.site : g.id);
    return { ...g, predecessor: p, site };
  });
}

/** Mainline chains of the gantry list plus the links whose two gantries are in it. */
export function versionSegments(gantries: readonly GantryRecord[], links: readonly { fromGantry: string; toGantry: string }[]): NetworkSegment[] {
  const byId = new Map(gantries.map((g) => [g.id, g]));
  const mainline: NetworkSegment[] = deriveSegments(gantries).map((s) => ({ ...s, kind: "mainline" }));
  const onChain = new Set(mainline.map((s) => `${s.fromGantry}>${s.toGantry}`));
  const extra: NetworkSegment[] = [];
  for (const l of links) {
    const f = byId.get(l.fromGantry);
    if (!f || !byId.has(l.toGantry) || onChain.has(`${l.fromGantry}>${l.toGantry}`)) continue;
    extra.push({ fromGantry: l.fromGantry, toGantry: l.toGantry, freeway: f.freeway, direction: f.direction, lengthKm: null, kind: "link" });
  }
  return [...mainline, ...extra];
}
