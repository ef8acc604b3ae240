import { TollwayError } from "../../core/errors/tollway-error.ts";
import type { TimeZone } from "../../core/time/local-time.ts";
import { isVehicleClass } from "../../core/vehicle/vehicle-class.ts";
import { formatTdcsTime, parseTdcsTime, type TdcsTimeStyle } from "../interval/interval.ts";
import { kmFromGantryId } from "../network/segment-network.ts";

/**
 * The Freeway Bureau's TDCS open-data layouts (no header row, comma-separated):
 *   M03A  TimeInterval,GantryID,Direction,VehicleType,Volume                         "2024-04-29 18:05"
 *   M04A  TimeInterval,GantryFrom,GantryTo,VehicleType,TravelTime(s),Volume          "2024/03/25 00:00"
 *   M05A  TimeInterval,GantryFrom,GantryTo,VehicleType,SpaceMeanSpeed(km/h),Volume   "2024/05/07 00:00"
 *   M06A  VehicleType,DetectionTime_O,GantryID_O,DetectionTime_D,GantryID_D,TripLength,TripEnd,TripInformation
 *         with times "2019-08-30 08:17:14" and TripInformation "time+gantry; time+gantry; ..."
 * Times are local (Asia/Taipei). A 0 travel time or speed means no data.
 */
export type TdcsProduct = "M03A" | "M04A" | "M05A" | "M06A";
export const TDCS_PRODUCTS: readonly TdcsProduct[] = ["M03A", "M04A", "M05A", "M06A"];

export const TIME_STYLE: Record<TdcsProduct, TdcsTimeStyle> = {
  M03A: "dash",
  M04A: "slash",
  M05A: "slash",
  M06A: "dash-seconds",
};

/**
 * Which product a file holds: the product name in the file name when there is one (the Bureau
 * always names files so), otherwise the shape: 5 columns M03A, 8 columns M06A, and for the
 * 6-column pair layouts, whether the value scales with the segment length (a travel time, M04A) or
 * not (a speed, M05A), judged by which of value and value/length varies less over the rows.
 */
export function detectProduct(rows: readonly string[][], fileName = ""): TdcsProduct {
  const named = /M0([3456])A/i.exec(fileName);
  if (named) return `M0${named[1]}A` as TdcsProduct;
  const width = rows[0]?.length ?? 0;
  if (width === 5) return "M03A";
  if (width === 8) return "M06A";
  if (width !== 6) throw new TollwayError("bad_request", `cannot tell the TDCS product of ${fileName || "input"}: ${width} columns`);
  const raw: number[] = [];
  const perKm: number[] = [];
  for (const r of rows) {
    const value = Number(r[4]);
    const len = Math.abs(kmFromGantryId(r[1]!) - kmFromGantryId(r[2]!));
    if (!(value > 0) || !(len > 0.5) || !(Number(r[5]) > 0)) continue;
    raw.push(value);
    perKm.push(value / len);
    if (raw.length >= 5000) break;
  }
  if (raw.length < 10) throw new TollwayError("bad_request", `cannot tell M04A from M05A in ${fileName || "input"}: too few rows with data`);
  return spread(raw) <= spread(perKm) ? "M05A" : "M04A";
}

/** Coefficient of variation of log values: scale-free, robust to units. */
function spread(xs: number[]): number {
  const logs = xs.map(Math.log);
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
  return Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / logs.length);
}

export interface CountRow {
  bucketMs: number;
  gantryId: string;
  direction: string;
  vehicleClass: number;
  volume: number;
}

export interface PairRow {
  bucketMs: number;
  fromGantry: string;
  toGantry: string;
  vehicleClass: number;
  /** Travel time (M04A) or speed (M05A); null when the file says 0. */
  value: number | null;
  volume: number;
}

export interface TripRow {
  vehicleClass: number;
  startMs: number;
  startGantry: string;
  endMs: number;
  endGantry: string;
  lengthKm: number;
  tripEnd: boolean;
  path: { ts: string; gantry: string }[];
}

const GANTRY = /^[0-9A-Z]{8}$/;

function bad(line: number, what: string): TollwayError {
  return new TollwayError("bad_request", `line ${line}: ${what}`);
}

// Pass a LocalCalendar for a whole file: its cache makes the zone arithmetic of a row a map lookup.
function time(text: string, tz: TimeZone, line: number): number {
  const t = parseTdcsTime(text, tz);
  if (Number.isNaN(t)) throw bad(line, `bad time ${JSON.stringify(text)}`);
  return t;
}

function cls(text: string, line: number): number {
  const c = Number(text);
  if (!isVehicleClass(c)) throw bad(line, `bad vehicle type ${JSON.stringify(text)}`);
  return c;
}

function gantry(text: string, line: number): string {
  if (!GANTRY.test(text)) throw bad(line, `bad gantry id ${JSON.stringify(text)}`);
  return text;
}

function count(text: string, line: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw bad(line, `bad volume ${JSON.stringify(text)}`);
  return n;
}

export function parseCount(r: readonly string[], tz: TimeZone, line: number): CountRow {
  if (r.length !== 5) throw bad(line, `M03A needs 5 columns, got ${r.length}`);
  return { bucketMs: time(r[0]!, tz, line), gantryId: gantry(r[1]!, line), direction: r[2]!, vehicleClass: cls(r[3]!, line), volume: count(r[4]!, line) };
}

export function parsePair(r: readonly string[], tz: TimeZone, line: number): PairRow {
  if (r.length !== 6) throw bad(line, `M04A/M05A need 6 columns, got ${r.length}`);
  const v = Number(r[4]);
  if (!Number.isFinite(v) || v < 0) throw bad(line, `bad value ${JSON.stringify(r[4])}`);
  return {
    bucketMs: time(r[0]!, tz, line),
    fromGantry: gantry(r[1]!, line),
    toGantry: gantry(r[2]!, line),
    vehicleClass: cls(r[3]!, line),
    value: v > 0 ? v : null,
    volume: count(r[5]!, line),
  };
}

export function parseTrip(r: readonly string[], tz: TimeZone, line: number): TripRow {
  if (r.length !== 8) throw bad(line, `M06A needs 8 columns, got ${r.length}`);
  const path = r[7]!
    .split(";")
    .map((p) => p.trim())
    .filter((p) => p !== "")
    .map((p) => {
      const [ts, g] = p.split("+");
      return { ts: new Date(time(ts ?? "", tz, line)).toISOString(), gantry: gantry(g ?? "", line) };
    });
  if (path.length === 0) throw bad(line, "empty TripInformation");
  const len = Number(r[5]);
  if (!Number.isFinite(len) || len < 0) throw bad(line, `bad trip length ${JSON.stringify(r[5])}`);
  return {
    vehicleClass: cls(r[0]!, line),
    startMs: time(r[1]!, tz, line),
    startGantry: gantry(r[2]!, line),
    endMs: time(r[3]!, tz, line),
    endGantry: gantry(r[4]!, line),
    lengthKm: len,
    tripEnd: r[6] === "Y",
    path,
  };
}

export function formatCount(c: CountRow, tz: TimeZone): string {
  return `${formatTdcsTime(c.bucketMs, tz, "dash")},${c.gantryId},${c.direction},${c.vehicleClass},${c.volume}`;
}

/** M04A/M05A write whole seconds / km/h, 0 for no data, as the Bureau does. */
export function formatPair(p: PairRow, tz: TimeZone): string {
  const v = p.value === null ? 0 : Math.round(p.value);
  return `${formatTdcsTime(p.bucketMs, tz, "slash")},${p.fromGantry},${p.toGantry},${p.vehicleClass},${v},${p.volume}`;
}

export function formatTrip(t: TripRow, tz: TimeZone): string {
  const f = (ms: number) => formatTdcsTime(ms, tz, "dash-seconds");
  const info = t.path.map((p) => `${f(Date.parse(p.ts))}+${p.gantry}`).join("; ");
  return `${t.vehicleClass},${f(t.startMs)},${t.startGantry},${f(t.endMs)},${t.endGantry},${t.lengthKm.toFixed(1)},${t.tripEnd ? "Y" : "N"},${info}`;
}

/**
 * The direction M03A writes for a gantry: its id's, except on Freeway 3A, which runs east-west and
 * whose N/S ids the Bureau's M03A writes W/E (03A0015N -> W).
 */
export function m03aDirection(gantryId: string, direction: string): string {
  if (gantryId.startsWith("03A")) return direction === "N" ? "W" : direction === "S" ? "E" : direction;
  return direction;
}
