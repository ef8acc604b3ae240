import { join } from "node:path";
import { readCsvText } from "../../core/csv/csv.ts";
import { TollwayError } from "../../core/errors/tollway-error.ts";
import { seedVersions } from "../../core/network/network-store.ts";
import { deriveSegments, networkDataDir, type GantryRecord, type SegmentRecord } from "../../core/seed/network-data.ts";
import { CLASS_COUNT, classIndex, VEHICLE_CLASSES, type VehicleClass } from "../../core/vehicle/vehicle-class.ts";

/**
 * What the simulator knows about real traffic: the network (gantries, segments, chains of consecutive
 * segments) and, per segment, 5-min slot of the day and vehicle class, the median travel time of the
 * real M04A day, falling back to the M05A day's space-mean speed, then to a default speed per class.
 * The same files give the demand shape over the day and the class mix.
 */

export const SLOTS_PER_DAY = 288;
export const SLOT_MS = 300_000;

/** Free-flow speeds when no data covers a segment (freeway limits 100-110 km/h, trucks slower). */
export const DEFAULT_SPEED_KMH: Record<VehicleClass, number> = { 31: 95, 32: 92, 41: 88, 42: 82, 5: 80 };

/** Travel times outside this speed band are measurement noise, not traffic. */
const MIN_PLAUSIBLE_KMH = 5;
const MAX_PLAUSIBLE_KMH = 150;

export type TravelTimeSource = "m04a" | "m05a" | "default";
const SOURCES: TravelTimeSource[] = ["m04a", "m05a", "default"];

/** Consecutive segments a vehicle can drive through without leaving the freeway. */
export interface Chain {
  key: string;
  /** gantries[i] -> gantries[i+1] is segments[i]. */
  gantries: string[];
  segments: number[];
}

export interface TrafficDataOptions {
  dataDir?: string;
  m04aPath?: string;
  m05aPath?: string;
  /** Keep only these gantries (and the segments between two kept gantries). */
  gantryIds?: readonly string[];
  /** Keep only these freeways, e.g. ["01F"]. */
  freeways?: readonly string[];
  /**
   * Simulate the network version in force at this time (the repository's versions, as the seeder
   * loads them: 2024-05-07 has 01F0153, not 01F0155); default the latest. The TDCS days are placed
   * on it through the gantries' sites, so a renumbered gantry keeps its real travel times.
   */
  atMs?: number;
}

export class TrafficData {
  readonly gantries: GantryRecord[];
  readonly gantryById: Map<string, GantryRecord>;
  readonly segments: SegmentRecord[];
  readonly segmentIndex: Map<string, number>;
  readonly chains: Chain[];
  /** Network-wide volume per slot of the day, scaled to mean 1. */
  readonly demandShape: Float64Array;
  /** Share of each class per slot: [slot * CLASS_COUNT + classIndex]. */
  readonly classShare: Float64Array;
  /** Daily volume of each segment in the data: weights where trips start. */
  readonly segmentVolume: Float64Array;
  private readonly tt: Float32Array[];
  private readonly ttSource: Uint8Array[];

  private constructor(init: {
    gantries: GantryRecord[];
    segments: SegmentRecord[];
    demandShape: Float64Array;
    classShare: Float64Array;
    segmentVolume: Float64Array;
    tt: Float32Array[];
    ttSource: Uint8Array[];
  }) {
    this.gantries = init.gantries;
    this.gantryById = new Map(init.gantries.map((g) => [g.id, g]));
    this.segments = init.segments;
    this.segmentIndex = new Map(init.segments.map((s, i) => [segmentKey(s.fromGantry, s.toGantry), i]));
    this.demandShape = init.demandShape;
    this.classShare = init.classShare;
    this.segmentVolume = init.segmentVolume;
    this.tt = init.tt;
    this.ttSource = init.ttSource;
    this.chains = buildChains(init.segments);
  }

  /** Reads the network and the two TDCS days (about 1 s). */
  static load(opts: TrafficDataOptions = {}): TrafficData {
    const dir = opts.dataDir ?? networkDataDir;
    const versions = seedVersions(dir);
    const version = opts.atMs === undefined ? versions.at(-1)! : (versions.filter((v) => Date.parse(v.validFrom) <= opts.atMs!).at(-1) ?? versions[0]!);
    const all: GantryRecord[] = version.gantries;
    // Any version's id -> this version's id at the same site.
    const siteOf = new Map<string, string>();
    for (const v of versions) for (const g of v.gantries) if (!siteOf.has(g.id)) siteOf.set(g.id, g.site);
    const idAtSite = new Map(version.gantries.map((g) => [g.site, g.id]));
    const here = (id: string) => (idAtSite.has(siteOf.get(id) ?? "") ? idAtSite.get(siteOf.get(id)!)! : id);
    let gantries = all;
    if (opts.freeways) gantries = gantries.filter((g) => opts.freeways!.includes(g.freeway));
    if (opts.gantryIds) {
      const keep = new Set(opts.gantryIds);
      gantries = gantries.filter((g) => keep.has(g.id));
    }
    // Segments come from the full network, so a subset never invents a link between far gantries.
    const kept = new Set(gantries.map((g) => g.id));
    const segments = deriveSegments(all).filter((s) => kept.has(s.fromGantry) && kept.has(s.toGantry));
    if (segments.length === 0) throw new TollwayError("bad_request", "the selected gantries contain no road segment");
    const index = new Map(segments.map((s, i) => [segmentKey(s.fromGantry, s.toGantry), i]));

    const cells = SLOTS_PER_DAY * CLASS_COUNT;
    const m04aTt = segments.map(() => new Float32Array(cells).fill(Number.NaN));
    const m05aKmh = segments.map(() => new Float32Array(cells).fill(Number.NaN));
    const volumeBySlotClass = new Float64Array(cells);
    const segmentVolume = new Float64Array(segments.length);

    forEachTdcsRow(opts.m04aPath ?? join(dir, "tdcs", "M04A_20240325.csv.gz"), (slot, from, to, cls, value, volume) => {
      volumeBySlotClass[slot * CLASS_COUNT + cls] = volumeBySlotClass[slot * CLASS_COUNT + cls]! + volume;
      const s = index.get(segmentKey(here(from), here(to)));
      if (s === undefined || volume <= 0 || value <= 0) return;
      segmentVolume[s] = segmentVolume[s]! + volume;
      m04aTt[s]![slot * CLASS_COUNT + cls] = value;
    });
    const m05aVolume = new Float64Array(segments.length);
    forEachTdcsRow(opts.m05aPath ?? join(dir, "tdcs", "M05A_20240507.csv.gz"), (slot, from, to, cls, value, volume) => {
      const s = index.get(segmentKey(here(from), here(to)));
      if (s === undefined || volume <= 0 || value <= 0) return;
      m05aVolume[s] = m05aVolume[s]! + volume;
      m05aKmh[s]![slot * CLASS_COUNT + cls] = value;
    });
    // A segment missing from the travel-time day still gets its share of trips from the speed day.
    let minPositive = Infinity;
    for (let s = 0; s < segments.length; s++) {
      if (segmentVolume[s]! <= 0) segmentVolume[s] = m05aVolume[s]!;
      if (segmentVolume[s]! > 0) minPositive = Math.min(minPositive, segmentVolume[s]!);
    }
    for (let s = 0; s < segments.length; s++) if (segmentVolume[s]! <= 0) segmentVolume[s] = Number.isFinite(minPositive) ? minPositive : 1;

    const tt: Float32Array[] = [];
    const ttSource: Uint8Array[] = [];
    for (let s = 0; s < segments.length; s++) {
      const len = segments[s]!.lengthKm;
      const out = new Float32Array(cells);
      const src = new Uint8Array(cells);
      for (let i = 0; i < cells; i++) {
        const c = VEHICLE_CLASSES[i % CLASS_COUNT]!;
        const m04 = m04aTt[s]![i]!;
        const m05 = m05aKmh[s]![i]!;
        if (plausible(len, m04)) {
          out[i] = m04;
          src[i] = 0;
        } else if (m05 >= MIN_PLAUSIBLE_KMH && m05 <= MAX_PLAUSIBLE_KMH) {
          out[i] = (len / m05) * 3600;
          src[i] = 1;
        } else {
          out[i] = (len / DEFAULT_SPEED_KMH[c]) * 3600;
          src[i] = 2;
        }
      }
      tt.push(out);
      ttSource.push(src);
    }

    const demandShape = new Float64Array(SLOTS_PER_DAY);
    const classShare = new Float64Array(cells);
    let total = 0;
    for (let slot = 0; slot < SLOTS_PER_DAY; slot++) {
      let slotTotal = 0;
      for (let c = 0; c < CLASS_COUNT; c++) slotTotal += volumeBySlotClass[slot * CLASS_COUNT + c]!;
      demandShape[slot] = slotTotal;
      total += slotTotal;
      for (let c = 0; c < CLASS_COUNT; c++) {
        classShare[slot * CLASS_COUNT + c] = slotTotal > 0 ? volumeBySlotClass[slot * CLASS_COUNT + c]! / slotTotal : c === 0 ? 1 : 0;
      }
    }
    const mean = total / SLOTS_PER_DAY;
    for (let slot = 0; slot < SLOTS_PER_DAY; slot++) demandShape[slot] = mean > 0 ? demandShape[slot]! / mean : 1;

    return new TrafficData({ gantries, segments, demandShape, classShare, segmentVolume, tt, ttSource });
  }

  /** Median travel time in seconds of a segment for a slot of the day and a class index. */
  travelTimeSeconds(segment: number, slot: number, cls: number): number {
    return this.tt[segment]![slot * CLASS_COUNT + cls]!;
  }

  travelTimeSource(segment: number, slot: number, cls: number): TravelTimeSource {
    return SOURCES[this.ttSource[segment]![slot * CLASS_COUNT + cls]!]!;
  }

  /** Share of each class over the whole day, weighted by volume. */
  dailyClassShare(): number[] {
    const out = new Array<number>(CLASS_COUNT).fill(0);
    for (let slot = 0; slot < SLOTS_PER_DAY; slot++) {
      for (let c = 0; c < CLASS_COUNT; c++) out[c]! += this.classShare[slot * CLASS_COUNT + c]! * this.demandShape[slot]!;
    }
    const sum = out.reduce((a, b) => a + b, 0);
    return out.map((v) => v / sum);
  }
}

export const segmentKey = (from: string, to: string) => `${from}>${to}`;

function plausible(lengthKm: number, seconds: number): boolean {
  if (!(seconds > 0)) return false;
  const kmh = (lengthKm / seconds) * 3600;
  return kmh >= MIN_PLAUSIBLE_KMH && kmh <= MAX_PLAUSIBLE_KMH;
}

/** TDCS M04A/M05A rows: TimeInterval,GantryFrom,GantryTo,VehicleType,value,Volume (no header). */
function forEachTdcsRow(path: string, fn: (slot: number, from: string, to: string, cls: number, value: number, volume: number) => void): void {
  const text = readCsvText(path);
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (!line) continue;
    const f = line.split(",");
    if (f.length < 6) continue;
    // "2024/03/25 07:05": the slot of the local day.
    const time = f[0]!;
    const sp = time.indexOf(" ");
    const slot = Number(time.slice(sp + 1, sp + 3)) * 12 + Math.floor(Number(time.slice(sp + 4, sp + 6)) / 5);
    const ci = classIndex(Number(f[3]));
    if (ci < 0 || !(slot >= 0 && slot < SLOTS_PER_DAY)) continue;
    fn(slot, f[1]!, f[2]!, ci, Number(f[4]), Number(f[5]));
  }
}

function buildChains(segments: readonly SegmentRecord[]): Chain[] {
  const byFrom = new Map<string, number>();
  const hasIncoming = new Set<string>();
  segments.forEach((s, i) => {
    byFrom.set(s.fromGantry, i);
    hasIncoming.add(s.toGantry);
  });
  const chains: Chain[] = [];
  for (let i = 0; i < segments.length; i++) {
    const first = segments[i]!;
    if (hasIncoming.has(first.fromGantry)) continue;
    const chain: Chain = { key: `${first.freeway}${first.direction}:${first.fromGantry}`, gantries: [first.fromGantry], segments: [] };
    let cur: number | undefined = i;
    while (cur !== undefined && chain.segments.length <= segments.length) {
      chain.segments.push(cur);
      chain.gantries.push(segments[cur]!.toGantry);
      cur = byFrom.get(segments[cur]!.toGantry);
    }
    chains.push(chain);
  }
  return chains;
}
