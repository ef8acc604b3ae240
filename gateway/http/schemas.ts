import { z } from "@hono/zod-openapi";
import { TollwayError } from "../../core/errors/tollway-error.ts";
import { VEHICLE_CLASS_DESCRIPTION, VEHICLE_CLASSES } from "../../core/vehicle/vehicle-class.ts";

/** Shared request/response pieces, so every route spells ids, money, plates and paging the same way. */

/** A path id: positive bigint that fits a JS number. */
export const idParam = (name = "id") =>
  z.coerce
    .number()
    .int()
    .positive()
    .max(Number.MAX_SAFE_INTEGER)
    .openapi({ param: { name, in: "path" }, example: 1 });

export const IdParams = z.object({ id: idParam() });

export const Tenths = z.number().int().openapi({ description: "Money in NT$0.1 (tenths)", example: 5000 });

export const VehicleClass = z
  .union(VEHICLE_CLASSES.map((c) => z.literal(c)) as unknown as [z.ZodLiteral<31>, z.ZodLiteral<32>, z.ZodLiteral<41>, z.ZodLiteral<42>, z.ZodLiteral<5>])
  .openapi({ description: VEHICLE_CLASS_DESCRIPTION, example: 31 });

/** Plates are stored upper case without spaces, e.g. ABC-1234. */
export const Plate = z
  .string()
  .trim()
  .transform((s) => s.toUpperCase().replace(/\s+/g, ""))
  .pipe(z.string().regex(/^[A-Z0-9]{1,4}-?[A-Z0-9]{1,4}$/, "must look like ABC-1234"))
  .openapi({ example: "ABC-1234", pattern: "^[A-Za-z0-9]{1,4}-?[A-Za-z0-9]{1,4}$" });

/** Tag EPCs are hex, 8-64 characters, stored upper case. */
export const TagId = z
  .string()
  .trim()
  .transform((s) => s.toUpperCase())
  .pipe(z.string().regex(/^[0-9A-F]{8,64}$/, "must be 8-64 hexadecimal characters"))
  .openapi({ example: "E2801160600002085BFC8A3A", pattern: "^[0-9A-Fa-f]{8,64}$" });

export const Timestamp = z.iso.datetime({ offset: true }).openapi({ example: "2026-11-26T08:00:00+08:00" });

export const LocalDay = z.iso.date().openapi({ description: "Local calendar day (toll time zone, Asia/Taipei)", example: "2026-11-26" });

export const Limit = z.coerce.number().int().min(1).max(1000).default(100).openapi({ example: 100 });

export const Cursor = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/, "must be a cursor returned by a previous page")
  .optional()
  .openapi({ description: "`nextCursor` of the previous page" });

export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** Opaque cursors: base64url of JSON. Bad cursors are a 400 naming `query.cursor`. */
export function encodeCursor(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString("base64url");
}

export function decodeCursor<T>(cursor: string | undefined, schema: z.ZodType<T>): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    return schema.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
  } catch {
    throw new TollwayError("bad_request", "Invalid cursor", { fields: [{ field: "query.cursor", message: "not a cursor returned by this API" }] });
  }
}

/** Keyset pages by id (newest or oldest first): the cursor holds the last id of the previous page. */
const IdCursor = z.object({ id: z.number().int() });

export function decodeIdCursor(cursor: string | undefined): number | undefined {
  return decodeCursor(cursor, IdCursor)?.id;
}

/** A full page may have a next one: its cursor is the last item's id. */
export function idPage<T extends { id: number }>(items: T[], limit: number): { items: T[]; nextCursor: string | null } {
  const last = items.at(-1);
  return { items, nextCursor: items.length === limit && last ? encodeCursor({ id: last.id }) : null };
}

export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
