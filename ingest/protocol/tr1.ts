import { z } from "zod";
import { isVehicleClass, VEHICLE_CLASSES, type VehicleClass } from "../../core/vehicle/vehicle-class.ts";

/**
 * Gantry protocol TR1 (the contract with devices, see README): request frames
 * `TR1`, header JSON, body JSON array of reads; reply frames `TR1`, reply JSON.
 * The zod schemas define what is valid; `checkRead` is the hand-written hot-path equivalent that the
 * tests prove accepts and normalises exactly the same reads.
 */
export const TR1 = "TR1";
export const MAX_READS = 10_000;
export const MAX_BODY_BYTES = 1024 * 1024;
/**
 * Largest frame libzmq accepts (ZMQ_MAXMSGSIZE): a bigger one drops the sender's connection before
 * any of it is held. The body limit plus room, so a body just over it still gets a clear
 * "body too large" reply (headers are ~100 bytes).
 */
export const MAX_FRAME_BYTES = MAX_BODY_BYTES + 64 * 1024;

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Two ASCII digits at i as a number, or -1. */
function two(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * Milliseconds of an ISO 8601 timestamp `YYYY-MM-DDTHH:MM:SS[.fraction]` with `Z` or `±HH:MM`, or
 * NaN when it is not a real instant. Hand-parsed: it runs for every read (Date.parse and a regex
 * cost ~1 µs a read; this is ~20x faster). Fractions beyond milliseconds are truncated.
 */
export function parseIsoTime(s: string): number {
  const n = s.length;
  if (n < 20 || n > 35) return Number.NaN;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return Number.NaN;
  const y1 = two(s, 0);
  const y2 = two(s, 2);
  const month = two(s, 5);
  const day = two(s, 8);
  const hh = two(s, 11);
  const mi = two(s, 14);
  const ss = two(s, 17);
  if (y1 < 0 || y2 < 0 || month < 1 || month > 12 || day < 1 || hh < 0 || hh > 23 || mi < 0 || mi > 59 || ss < 0 || ss > 59) return Number.NaN;
  const year = y1 * 100 + y2;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month]!)) return Number.NaN;
  let i = 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46) {
    i++;
    const start = i;
    let scale = 100;
    while (i < n) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      if (scale >= 1) ms += c * scale;
      scale /= 10;
      i++;
    }
    const digits = i - start;
    if (digits < 1 || digits > 9) return Number.NaN;
  }
  let offsetMin = 0;
  const z = s.charCodeAt(i);
  if (z === 90) {
    if (i + 1 !== n) return Number.NaN;
  } else if (z === 43 || z === 45) {
    if (i + 6 !== n || s.charCodeAt(i + 3) !== 58) return Number.NaN;
    const oh = two(s, i + 1);
    const om = two(s, i + 4);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return Number.NaN;
    offsetMin = (oh * 60 + om) * (z === 43 ? 1 : -1);
  } else return Number.NaN;
  return (daysFromCivil(year, month, day) * 86400 + hh * 3600 + mi * 60 + ss - offsetMin * 60) * 1000 + ms;
}

/** Round half to even, as C's rint() in the default rounding mode. */
function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Microseconds since the Unix epoch of a time that parseIsoTime accepted (`ms` is its result), as
 * PostgreSQL reads the text: the fraction rounded to whole microseconds, half to even
 * (ParseFractionalSecond: rint(strtod(fraction) * 1e6)). The binary COPY of passages sends this, so
 * a stored ts equals what the same text gives in SQL (merges address passages by their ts text).
 */
export function isoTimeMicros(s: string, ms: number): number {
  // Microseconds are exact doubles only up to 2^53 (years 1685-2255): beyond, a time would be
  // stored off by some microseconds. The ingest's read-time window keeps reads far inside.
  if (!(Math.abs(ms) <= MAX_EXACT_MS)) throw new RangeError(`isoTimeMicros: ${s} is outside the years whose microseconds are exact`);
  // The fraction ends where the zone starts: `Z`, or `±HH:MM` (the text is a valid time).
  const n = s.length;
  const i = s.charCodeAt(n - 1) === 90 ? n - 1 : n - 6;
  if (i - 20 <= 3) return ms * 1000;
  // parseIsoTime kept the first three digits (truncated) in ms.
  const keptMs = (s.charCodeAt(20) - 48) * 100 + (s.charCodeAt(21) - 48) * 10 + (s.charCodeAt(22) - 48);
  return (ms - keptMs) * 1000 + rint(Number(s.slice(19, i)) * 1e6);
}

/** |ms| below which ms * 1000 + a microsecond fraction is an exact double (2^53 µs, less a second). */
const MAX_EXACT_MS = Math.floor(Number.MAX_SAFE_INTEGER / 1000) - 1000;

const isoTime = z.string().refine((s) => !Number.isNaN(parseIsoTime(s)), "must be an ISO 8601 time with a zone");

export const GANTRY_ID = /^[0-9A-Z]{8}$/;

export const headerSchema = z.object({
  gantry: z.string().regex(GANTRY_ID, "must be a gantry id such as 01F0017N"),
  batch: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  // Stored as given (ingest_batches.sent_at): PostgreSQL has no year 0000 and refuses it.
  sent: isoTime.refine((s) => !s.startsWith("0000"), "year 0000 does not exist"),
});
export type Tr1Header = z.infer<typeof headerSchema>;

const TAG = /^[0-9A-Fa-f]{8,64}$/;
const PLATE = /^[0-9A-Za-z-]{2,16}$/;

/** One read as sent by a gantry. Tags and plates are stored upper-case. */
export const readSchema = z
  .object({
    tag: z.string().regex(TAG, "must be 8-64 hex characters").nullish(),
    plate: z.string().regex(PLATE, "must be 2-16 letters, digits or dashes").nullish(),
    ts: isoTime,
    lane: z.number().int().min(0).max(99).nullish(),
    class: z.union(VEHICLE_CLASSES.map((c) => z.literal(c)) as [z.ZodLiteral<31>, z.ZodLiteral<32>, z.ZodLiteral<41>, z.ZodLiteral<42>, z.ZodLiteral<5>]),
    conf: z.number().min(0).max(1).nullish(),
  })
  .refine((r) => r.tag != null || r.plate != null, "tag or plate is required")
  .transform(
    (r): Tr1Read => ({
      tag: r.tag == null ? null : r.tag.toUpperCase(),
      plate: r.plate == null ? null : r.plate.toUpperCase(),
      ts: r.ts,
      lane: r.lane ?? null,
      class: r.class,
      conf: r.conf ?? null,
    }),
  );

/** A valid, normalised read. */
export interface Tr1Read {
  tag: string | null;
  plate: string | null;
  ts: string;
  lane: number | null;
  class: VehicleClass;
  conf: number | null;
}

export type ReadCheck = { ok: true; read: Tr1Read; tsMs: number } | { ok: false; reason: string };

const isInt = Number.isInteger;
const CLASS_REASON = `class: must be one of ${VEHICLE_CLASSES.join(", ")}`;

/**
 * Why PostgreSQL could not store this text, or undefined: text columns refuse NUL, and a lone
 * UTF-16 surrogate has no UTF-8 form (the driver would silently turn it into U+FFFD).
 */
export function unstorableText(s: string): string | undefined {
  if (s.includes("\0")) return "contains a NUL character";
  if (!s.isWellFormed()) return "contains a lone UTF-16 surrogate";
  return undefined;
}

/** The reason for a string field that failed its pattern: the pattern, or what makes it unstorable. */
function badField(field: string, v: unknown, rule: string): { ok: false; reason: string } {
  const why = typeof v === "string" ? unstorableText(v) : undefined;
  return { ok: false, reason: `${field}: ${why ?? rule}` };
}

/**
 * The hot-path validator: same verdicts and output as `readSchema`, without allocating issues.
 * Tag, plate and ts are ASCII by their patterns, so nothing PostgreSQL cannot store gets through;
 * NUL and lone surrogates are named in the reason (looked for only once a pattern has failed).
 */
export function checkRead(x: unknown): ReadCheck {
  if (typeof x !== "object" || x === null || Array.isArray(x)) return { ok: false, reason: "read must be an object" };
  const r = x as Record<string, unknown>;
  const tag = r.tag;
  const plate = r.plate;
  if (tag != null && (typeof tag !== "string" || !TAG.test(tag))) return badField("tag", tag, "must be 8-64 hex characters");
  if (plate != null && (typeof plate !== "string" || !PLATE.test(plate))) return badField("plate", plate, "must be 2-16 letters, digits or dashes");
  const ts = r.ts;
  if (typeof ts !== "string") return { ok: false, reason: "ts: must be an ISO 8601 time with a zone" };
  const tsMs = parseIsoTime(ts);
  if (Number.isNaN(tsMs)) return badField("ts", ts, "must be an ISO 8601 time with a zone");
  const lane = r.lane;
  if (lane != null && (typeof lane !== "number" || !isInt(lane) || lane < 0 || lane > 99)) return { ok: false, reason: "lane: must be an integer 0-99" };
  const cls = r.class;
  if (!isVehicleClass(cls)) return { ok: false, reason: CLASS_REASON };
  const conf = r.conf;
  if (conf != null && (typeof conf !== "number" || !(conf >= 0 && conf <= 1))) return { ok: false, reason: "conf: must be a number 0-1" };
  if (tag == null && plate == null) return { ok: false, reason: "tag or plate is required" };
  return {
    ok: true,
    tsMs,
    read: {
      tag: tag == null ? null : (tag as string).toUpperCase(),
      plate: plate == null ? null : (plate as string).toUpperCase(),
      ts,
      lane: (lane as number | null | undefined) ?? null,
      class: cls,
      conf: (conf as number | null | undefined) ?? null,
    },
  };
}

/** The same check through zod, with zod's message as the reason (tests, and the reference). */
export function checkReadWithSchema(x: unknown): ReadCheck {
  const p = readSchema.safeParse(x);
  if (p.success) return { ok: true, read: p.data, tsMs: parseIsoTime(p.data.ts) };
  const issue = p.error.issues[0]!;
  return { ok: false, reason: `${issue.path.join(".") || "read"}: ${issue.message}` };
}

export type AckStatus = "ok" | "duplicate" | "rejected";

export interface Tr1Reply {
  batch: number | null;
  status: AckStatus;
  accepted: number;
  rejected: number;
  errors: { i: number; reason: string }[];
  /** Why a whole message was rejected (status "rejected"). */
  reason?: string;
}

export const replySchema = z.object({
  batch: z.number().int().nullable(),
  status: z.enum(["ok", "duplicate", "rejected"]),
  accepted: z.number().int().min(0),
  rejected: z.number().int().min(0),
  errors: z.array(z.object({ i: z.number().int(), reason: z.string() })),
  reason: z.string().optional(),
});

export function encodeHeader(h: Tr1Header): string {
  return JSON.stringify({ gantry: h.gantry, batch: h.batch, sent: h.sent });
}
