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

export interface LocalFields {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

export const pad = (n: number, w = 2) => String(n).padStart(w, "0");

// Intl costs ~5 us a call (~100 us to build a formatter) and settlement maps every passage, so a
// calendar caches the local day and time per 15-minute UTC bucket. Exact for every UTC offset in use
// since 1970: they are all whole quarter hours, so neither an offset change nor a local midnight
// falls inside a bucket.
const BUCKET_MS = 15 * 60_000;
const MAX_CACHED_BUCKETS = 100_000;

/**
 * Local calendar arithmetic in one time zone, with its Intl formatter and bucket cache. Code that
 * maps many instants holds one (a service builds it in its constructor); the functions below
 * take a zone name or a calendar, and build a throwaway calendar from a name.
 */
export class LocalCalendar {
  private readonly formatter: Intl.DateTimeFormat;
  private readonly buckets = new Map<number, { day: string; startSecond: number }>();

  constructor(readonly timeZone: string) {
    this.formatter = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
  }

  parts(at: Date): LocalParts {
    const t = at.getTime();
    const bucket = Math.floor(t / BUCKET_MS);
    let b = this.buckets.get(bucket);
    if (b === undefined) {
      if (this.buckets.size > MAX_CACHED_BUCKETS) this.buckets.clear();
      const f = this.intlFields(new Date(bucket * BUCKET_MS));
      b = { day: `${pad(f.y, 4)}-${pad(f.mo)}-${pad(f.d)}`, startSecond: f.h * 3600 + f.mi * 60 + f.s };
      this.buckets.set(bucket, b);
    }
    return { day: b.day, secondOfDay: b.startSecond + Math.floor((t - bucket * BUCKET_MS) / 1000) };
  }

  day(at: Date): string {
    return this.parts(at).day;
  }

  fields(at: Date): LocalFields {
    const p = this.parts(at);
    const s = p.secondOfDay;
    return {
      y: Number(p.day.slice(0, 4)),
      mo: Number(p.day.slice(5, 7)),
      d: Number(p.day.slice(8, 10)),
      h: Math.floor(s / 3600),
      mi: Math.floor(s / 60) % 60,
      s: s % 60,
    };
  }

  /** Offset of the zone from UTC at an instant, in milliseconds (east positive). */
  offsetMs(at: Date): number {
    const p = this.parts(at);
    return Date.parse(`${p.day}T00:00:00Z`) + p.secondOfDay * 1000 - Math.floor(at.getTime() / 1000) * 1000;
  }

  /** The instant of local midnight that starts `day` (YYYY-MM-DD). */
  midnight(day: string): Date {
    const m = DAY_RE.exec(day);
    if (!m || !isLocalDay(day)) throw new RangeError(`not a calendar day: ${day}`);
    const guess = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    // Two passes settle the offset across a DST change (none in Taipei, but the zone is configurable).
    let t = guess - this.offsetMs(new Date(guess));
    t = guess - this.offsetMs(new Date(t));
    return new Date(t);
  }

  /** [start, end) of a local day as instants. */
  dayBounds(day: string): { start: Date; end: Date } {
    return { start: this.midnight(day), end: this.midnight(addDays(day, 1)) };
  }

  private intlFields(at: Date): LocalFields {
    const out = { y: 0, mo: 0, d: 0, h: 0, mi: 0, s: 0 };
    for (const p of this.formatter.formatToParts(at)) {
      if (p.type === "year") out.y = Number(p.value);
      else if (p.type === "month") out.mo = Number(p.value);
      else if (p.type === "day") out.d = Number(p.value);
      else if (p.type === "hour") out.h = Number(p.value) % 24;
      else if (p.type === "minute") out.mi = Number(p.value);
      else if (p.type === "second") out.s = Number(p.value);
    }
    return out;
  }
}

/** A zone name (IANA, e.g. TOLL_TIMEZONE), or a calendar of it whose cache is reused. */
export type TimeZone = string | LocalCalendar;

export const calendarOf = (tz: TimeZone): LocalCalendar => (typeof tz === "string" ? new LocalCalendar(tz) : tz);

export const localFields = (at: Date, tz: TimeZone): LocalFields => calendarOf(tz).fields(at);
export const localParts = (at: Date, tz: TimeZone): LocalParts => calendarOf(tz).parts(at);
export const localDay = (at: Date, tz: TimeZone): string => calendarOf(tz).day(at);
/** Offset of the zone from UTC at an instant, in milliseconds (east positive). */
export const zoneOffsetMs = (at: Date, tz: TimeZone): number => calendarOf(tz).offsetMs(at);
/** The instant of local midnight that starts `day` (YYYY-MM-DD). */
export const localMidnight = (day: string, tz: TimeZone): Date => calendarOf(tz).midnight(day);
/** [start, end) of a local day as instants. */
export const localDayBounds = (day: string, tz: TimeZone): { start: Date; end: Date } => calendarOf(tz).dayBounds(day);

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isLocalDay(day: string): boolean {
  const m = DAY_RE.exec(day);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === day;
}

export function addDays(day: string, n: number): string {
  const m = DAY_RE.exec(day);
  if (!m) throw new RangeError(`not a calendar day: ${day}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + n)).toISOString().slice(0, 10);
}

/** Parses HH:MM[:SS] (PostgreSQL `time`, 24:00 allowed) into seconds since midnight. */
export function parseTimeOfDay(t: string): number {
  const m = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(t);
  if (!m) throw new RangeError(`not a time of day: ${t}`);
  const s = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0);
  if (s > 86400 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59) throw new RangeError(`not a time of day: ${t}`);
  return s;
}
