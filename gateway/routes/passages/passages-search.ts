import { z } from "@hono/zod-openapi";
import { TollwayError } from "../../../core/errors/tollway-error.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_READERS } from "../../http/roles.ts";
import { Cursor, decodeCursor, encodeCursor, Limit, page, Plate, TagId, Timestamp } from "../../http/schemas.ts";
import { PassageService } from "../../passages/passages.ts";
import { GantryId } from "../reference/schemas.ts";

export const PassageSchema = z
  .object({
    id: z.number().int(),
    ts: z.string(),
    gantryId: z.string(),
    tagId: z.string().nullable(),
    plate: z.string().nullable(),
    plateConfidence: z.number().nullable(),
    lane: z.number().int().nullable(),
    readClass: z.number().int(),
    vehicleClass: z.number().int(),
    accountId: z.number().int().nullable(),
    tariffId: z.number().int().nullable(),
    postedPriceTenths: z.number().int().nullable(),
    unpricedReason: z.enum(["no_tariff", "no_rate", "not_charging", "not_in_tariff"]).nullable().openapi({
      description:
        "Why postedPriceTenths is null: no tariff in force, no rate for the class, a gantry of the tariff's network that is no charging point, or a gantry the tariff's network does not know",
    }),
    vehicleKey: z.string().nullable().openapi({ description: "The vehicle the read was resolved to: vehicle:<id>, plate:<plate> or the tag id" }),
    identityConflict: z.boolean().openapi({ description: "A registered tag read with the plate of another vehicle (the tag decided)" }),
  })
  .openapi("Passage");

export default defineRoute(
  {
    method: "get",
    path: "/v1/passages",
    tags: ["passages"],
    summary: "Search passages by tag, plate, account, gantry and time, newest first",
    description:
      "Give at least one of tagId, plate, accountId, gantryId, identityConflict. Pages continue with `cursor` (keyset on ts, id). `identityConflict=true`: only reads whose tag and plate belong to different vehicles, for review.",
    roles: CUSTOMER_READERS,
    request: {
      query: z.object({
        tagId: TagId.optional(),
        plate: Plate.optional(),
        accountId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
        gantryId: GantryId.optional(),
        identityConflict: z.enum(["true"]).optional(),
        from: Timestamp.optional(),
        to: Timestamp.optional(),
        limit: Limit,
        cursor: Cursor,
      }),
    },
    responses: { 200: { description: "A page of passages", content: { "application/json": { schema: page(PassageSchema) } } } },
  },
  async (c) => {
    const q = c.req.valid("query");
    if (q.tagId === undefined && q.plate === undefined && q.accountId === undefined && q.gantryId === undefined && q.identityConflict === undefined) {
      throw new TollwayError("bad_request", "Give at least one of tagId, plate, accountId, gantryId, identityConflict", {
        fields: [{ field: "query", message: "needs at least one of tagId, plate, accountId, gantryId, identityConflict" }],
      });
    }
    const after = decodeCursor(q.cursor, z.object({ t: z.number().int(), i: z.number().int() }));
    const r = await new PassageService(c.var.deps.db, c.var.deps.config.tollTimezone).search({
      tagId: q.tagId,
      plate: q.plate,
      accountId: q.accountId,
      gantryId: q.gantryId,
      identityConflict: q.identityConflict === "true",
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      after: after ? { tsUs: after.t, id: after.i } : undefined,
      limit: q.limit,
    });
    return c.json({ items: r.items, nextCursor: r.next ? encodeCursor({ t: r.next.tsUs, i: r.next.id }) : null }, 200);
  },
);
