import { z } from "@hono/zod-openapi";
import { defineRoute } from "../../http/define-route.ts";
import { EVERYONE } from "../../http/roles.ts";
import { ReferenceService } from "../../reference/reference.ts";
import { Direction, Freeway, TollZoneSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/toll-zones",
    tags: ["reference"],
    summary: "The published toll-zone table (zone km and posted car price per gantry)",
    roles: EVERYONE,
    request: { query: z.object({ freeway: Freeway.optional(), direction: Direction.optional() }) },
    responses: {
      200: { description: "Toll zones ordered by gantry id", content: { "application/json": { schema: z.object({ items: z.array(TollZoneSchema) }) } } },
    },
  },
  async (c) => c.json({ items: await new ReferenceService(c.var.deps.db).tollZones(c.req.valid("query")) }, 200),
);
