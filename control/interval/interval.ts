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

const formatters = new Map<string, Intl.DateTimeFormat>();

function parts(ms: number, timeZone: string): Record<string, string> {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  const out: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(ms))) out[p.type] = p.value;
  return out;
}

/** Offset of the zone from UTC at instant ms, in ms. */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const p = parts(ms, timeZone);
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return asUtc - Math.floor(ms / 1000) * 1000;
}

export function formatTdcsTime(ms: number, timeZone: string, style: TdcsTimeStyle): string {
  const p = parts(ms, timeZone);
  const sep = style === "slash" ? "/" : "-";
  const base = `${p.year}${sep}${p.month}${sep}${p.day} ${p.hour}:${p.minute}`;
  return style === "dash-seconds" ? `${base}:${p.second}` : base;
}

const TDCS_TIME = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/;

/** Parses a local TDCS time; NaN when it is not one. */
export function parseTdcsTime(text: string, timeZone: string): number {
  const m = TDCS_TIME.exec(text.trim());
  if (!m) return Number.NaN;
  const local = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  // Two passes settle the offset even across a DST change.
  let utc = local - zoneOffsetMs(local, timeZone);
  utc = local - zoneOffsetMs(utc, timeZone);
  return utc;
}
