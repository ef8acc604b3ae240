/**
 * Local calendar arithmetic in a configured time zone (TOLL_TIMEZONE, Asia/Taipei by default): tolling
 * days, free hours and the Freeway Bureau's local timestamps.
 * Settlement days and free hours are LOCAL, so every instant is mapped through Intl with the
 * configured zone; no code assumes a fixed UTC offset.
 */

export interface LocalParts {
  /** Local calendar day, YYYY-MM-DD. */
  day: string;
  /** Seconds since local midnight (0..86399). */
  secondOfDay: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function localFields(at: Date, timeZone: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const out = { y: 0, mo: 0, d: 0, h: 0, mi: 0, s: 0 };
  for (const p of formatter(timeZone).formatToParts(at)) {
    if (p.type === "year") out.y = Number(p.value);
    else if (p.type === "month") out.mo = Number(p.value);
    else if (p.type === "day") out.d = Number(p.value);
    else if (p.type === "hour") out.h = Number(p.value) % 24;
    else if (p.type === "minute") out.mi = Number(p.value);
    else if (p.type === "second") out.s = Number(p.value);
  }
  return out;
}

export const pad = (n: number, w = 2) => String(n).padStart(w, "0");

// Intl costs ~10 us a call and settlement maps every passage, so the local day and time are cached
// per 15-minute UTC bucket. Exact for every UTC offset in use since 1970: they are all whole quarter
// hours, so neither an offset change nor a local midnight falls inside a bucket.
const BUCKET_MS = 15 * 60_000;
const bucketCache = new Map<string, Map<number, { day: string; startSecond: number }>>();

export function localParts(at: Date, timeZone: string): LocalParts {
  let zone = bucketCache.get(timeZone);
  if (!zone) bucketCache.set(timeZone, (zone = new Map()));
  const t = at.getTime();
  const bucket = Math.floor(t / BUCKET_MS);
  let b = zone.get(bucket);
  if (b === undefined) {
    if (zone.size > 100_000) zone.clear();
    const f = localFields(new Date(bucket * BUCKET_MS), timeZone);
    b = { day: `${pad(f.y, 4)}-${pad(f.mo)}-${pad(f.d)}`, startSecond: f.h * 3600 + f.mi * 60 + f.s };
    zone.set(bucket, b);
  }
  return { day: b.day, secondOfDay: b.startSecond + Math.floor((t - bucket * BUCKET_MS) / 1000) };
}

export function localDay(at: Date, timeZone: string): string {
  return localParts(at, timeZone).day;
}

/** Offset of the zone from UTC at an instant, in milliseconds (east positive). */
export function zoneOffsetMs(at: Date, timeZone: string): number {
  const f = localFields(at, timeZone);
  const asUtc = Date.UTC(f.y, f.mo - 1, f.d, f.h, f.mi, f.s);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isLocalDay(day: string): boolean {
  const m = DAY_RE.exec(day);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === day;
}

/** The instant of local midnight that starts `day` (YYYY-MM-DD). */
export function localMidnight(day: string, timeZone: string): Date {
  const m = DAY_RE.exec(day);
  if (!m || !isLocalDay(day)) throw new RangeError(`not a calendar day: ${day}`);
  const guess = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Two passes settle the offset across a DST change (none in Taipei, but the zone is configurable).
  let t = guess - zoneOffsetMs(new Date(guess), timeZone);
  t = guess - zoneOffsetMs(new Date(t), timeZone);
  return new Date(t);
}

export function addDays(day: string, n: number): string {
  const m = DAY_RE.exec(day);
  if (!m) throw new RangeError(`not a calendar day: ${day}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + n)).toISOString().slice(0, 10);
}

/** [start, end) of a local day as instants. */
export function localDayBounds(day: string, timeZone: string): { start: Date; end: Date } {
  return { start: localMidnight(day, timeZone), end: localMidnight(addDays(day, 1), timeZone) };
}

/** Parses HH:MM[:SS] (PostgreSQL `time`, 24:00 allowed) into seconds since midnight. */
export function parseTimeOfDay(t: string): number {
  const m = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(t);
  if (!m) throw new RangeError(`not a time of day: ${t}`);
  const s = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0);
  if (s > 86400 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59) throw new RangeError(`not a time of day: ${t}`);
  return s;
}
