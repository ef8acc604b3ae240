import { calendarOf, pad, type TimeZone } from "../../core/time/local-time.ts";

/**
 * The 5-minute interval every TDCS product is counted in, and the Freeway Bureau's local time
 * formats. Intervals are aligned to the epoch, which is aligned to local time in any zone whose
 * offset is a whole number of 5 minutes (all of them, Asia/Taipei included).
 */
export const INTERVAL_MS = 5 * 60_000;

export function floorInterval(ms: number): number {
  return Math.floor(ms / INTERVAL_MS) * INTERVAL_MS;
}

export function ceilInterval(ms: number): number {
  return Math.ceil(ms / INTERVAL_MS) * INTERVAL_MS;
}

/** "2024/03/25 00:00" (M04A, M05A) or "2024-04-29 18:05" (M03A); M06A adds seconds. */
export type TdcsTimeStyle = "slash" | "dash" | "dash-seconds";

export function formatTdcsTime(ms: number, timeZone: TimeZone, style: TdcsTimeStyle): string {
  const f = calendarOf(timeZone).fields(new Date(ms));
  const sep = style === "slash" ? "/" : "-";
  const base = `${pad(f.y, 4)}${sep}${pad(f.mo)}${sep}${pad(f.d)} ${pad(f.h)}:${pad(f.mi)}`;
  return style === "dash-seconds" ? `${base}:${pad(f.s)}` : base;
}

const TDCS_TIME = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/;

/** Parses a local TDCS time; NaN when it is not one. */
export function parseTdcsTime(text: string, timeZone: TimeZone): number {
  const m = TDCS_TIME.exec(text.trim());
  if (!m) return Number.NaN;
  const calendar = calendarOf(timeZone);
  const local = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  // Two passes settle the offset even across a DST change.
  let utc = local - calendar.offsetMs(new Date(local));
  utc = local - calendar.offsetMs(new Date(utc));
  return utc;
}
