import { z } from "zod";

/**
 * Gantry protocol TR1 (the contract with devices, see README): request frames
 * `TR1`, header JSON, body JSON array of reads; reply frames `TR1`, reply JSON.
 * The zod schemas define what is valid; `checkRead` is the hand-written hot-path equivalent that the
 * tests prove accepts and normalises exactly the same reads.
 */
export const TR1 = "TR1";
export const MAX_READS = 10_000;
export const MAX_BODY_BYTES = 1024 * 1024;
export const VEHICLE_CLASSES = [31, 32, 41, 42, 5] as const;
export type VehicleClass = (typeof VEHICLE_CLASSES)[number];

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Milliseconds of an ISO 8601 timestamp with an explicit zone, or NaN when it is not a real instant. */
export function parseIsoTime(s: string): number {
  const m = ISO_TIME.exec(s);
  if (!m) return Number.NaN;
  const month = +m[2]!;
  const day = +m[3]!;
  if (month < 1 || month > 12 || day < 1 || +m[4]! > 23 || +m[5]! > 59 || +m[6]! > 59) return Number.NaN;
  const year = +m[1]!;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return Number.NaN;
  if (m[8] !== "Z") {
    const oh = +m[8]!.slice(1, 3);
    const om = +m[8]!.slice(4, 6);
    if (oh > 23 || om > 59) return Number.NaN;
  }
  return Date.parse(s);
}

const isoTime = z.string().refine((s) => !Number.isNaN(parseIsoTime(s)), "must be an ISO 8601 time with a zone");

export const GANTRY_ID = /^[0-9A-Z]{8}$/;

export const headerSchema = z.object({
  gantry: z.string().regex(GANTRY_ID, "must be a gantry id such as 01F0017N"),
  batch: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  sent: isoTime,
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

/** The hot-path validator: same verdicts and output as `readSchema`, without allocating issues. */
export function checkRead(x: unknown): ReadCheck {
  if (typeof x !== "object" || x === null || Array.isArray(x)) return { ok: false, reason: "read must be an object" };
  const r = x as Record<string, unknown>;
  const tag = r.tag;
  const plate = r.plate;
  if (tag != null && (typeof tag !== "string" || !TAG.test(tag))) return { ok: false, reason: "tag: must be 8-64 hex characters" };
  if (plate != null && (typeof plate !== "string" || !PLATE.test(plate))) return { ok: false, reason: "plate: must be 2-16 letters, digits or dashes" };
  const ts = r.ts;
  if (typeof ts !== "string") return { ok: false, reason: "ts: must be an ISO 8601 time with a zone" };
  const tsMs = parseIsoTime(ts);
  if (Number.isNaN(tsMs)) return { ok: false, reason: "ts: must be an ISO 8601 time with a zone" };
  const lane = r.lane;
  if (lane != null && (typeof lane !== "number" || !isInt(lane) || lane < 0 || lane > 99)) return { ok: false, reason: "lane: must be an integer 0-99" };
  const cls = r.class;
  if (cls !== 31 && cls !== 32 && cls !== 41 && cls !== 42 && cls !== 5) return { ok: false, reason: "class: must be one of 31, 32, 41, 42, 5" };
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
