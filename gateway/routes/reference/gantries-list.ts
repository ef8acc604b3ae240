import { z } from "@hono/zod-openapi";
import { defineRoute } from "../../http/define-route.ts";
import { EVERYONE } from "../../http/roles.ts";
import { ReferenceService } from "../../reference/reference.ts";
import { Direction, Freeway, GantrySchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/gantries",
    tags: ["reference"],
    summary: "List gantries, filtered by freeway, direction, km range and active flag",
    roles: EVERYONE,
    request: {
      query: z.object({
        freeway: Freeway.optional(),
        direction: Direction.optional(),
        active: z
          .stringbool()
          .optional()
          .openapi({ type: "string", enum: ["true", "false"] }),
        fromKm: z.coerce.number().min(0).max(1000).optional(),
        toKm: z.coerce.number().min(0).max(1000).optional(),
      }),
    },
    responses: {
      200: {
        description: "Gantries ordered by freeway, direction, km",
        content: { "application/json": { schema: z.object({ items: z.array(GantrySchema) }) } },
      },
    },
  },
  async (c) => c.json({ items: await new ReferenceService(c.var.deps.db).gantries(c.req.valid("query")) }, 200),
);
