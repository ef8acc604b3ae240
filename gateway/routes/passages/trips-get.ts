import { z } from "@hono/zod-openapi";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_READERS } from "../../http/roles.ts";
import { LocalDay, Plate, TagId } from "../../http/schemas.ts";
import { PassageService } from "../../passages/passages.ts";
import { PassageSchema } from "./passages-search.ts";

const TripSchema = z
  .object({
    day: z.string(),
    timeZone: z.string(),
    tagId: z.string().nullable(),
    plate: z.string().nullable(),
    passages: z.array(
      PassageSchema.extend({
        freeway: z.string().nullable(),
        direction: z.string().nullable(),
        km: z.number().nullable(),
        roadName: z.string().nullable(),
        runningPostedTenths: z.number().int(),
      }),
    ),
    route: z.array(z.string()).openapi({ description: "Gantry ids in passing order" }),
    legs: z.array(
      z.object({
        freeway: z.string().nullable(),
        direction: z.string().nullable(),
        fromGantry: z.string(),
        toGantry: z.string(),
        fromKm: z.number().nullable(),
        toKm: z.number().nullable(),
        passages: z.number().int(),
        postedTenths: z.number().int(),
      }),
    ),
    postedTotalTenths: z.number().int(),
    settlement: z.object({ id: z.number().int(), payableTenths: z.number().int(), revision: z.number().int() }).nullable(),
  })
  .openapi("Trip");

export default defineRoute(
  {
    method: "get",
    path: "/v1/trips",
    tags: ["passages"],
    summary: "A vehicle's passages on one local day, in order, with its route and running posted toll",
    description: "Give the local day (Asia/Taipei) and exactly one of tagId or plate (plate: plate-only passages).",
    roles: CUSTOMER_READERS,
    request: { query: z.object({ day: LocalDay, tagId: TagId.optional(), plate: Plate.optional() }) },
    responses: { 200: { description: "The day's trip", content: { "application/json": { schema: TripSchema } } } },
  },
  async (c) => {
    const q = c.req.valid("query");
    const trip = await new PassageService(c.var.deps.db, c.var.deps.config.tollTimezone).trip({ tagId: q.tagId, plate: q.plate }, q.day);
    return c.json(trip, 200);
  },
);
