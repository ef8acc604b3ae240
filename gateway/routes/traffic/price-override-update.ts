import { z } from "@hono/zod-openapi";
import { defineRoute } from "../../http/define-route.ts";
import { auditedPricingChange } from "./priced-segment-change.ts";
import { TRAFFIC_OPERATORS } from "../../http/roles.ts";
import { GantryId } from "../reference/schemas.ts";
import { PriceOverrideSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "put",
    path: "/v1/traffic/priced-segments/{fromGantry}/{toGantry}/override",
    tags: ["traffic"],
    summary: "Cap or freeze the congestion price of a priced segment (audited)",
    description:
      "capPermille: the price never exceeds it from the next update on (1000 = the fixed rate); frozen: the price stays where it is. " +
      "No cap and not frozen lifts the override. A segment that is not priced is a 404.",
    roles: TRAFFIC_OPERATORS,
    request: {
      params: z.object({ fromGantry: GantryId, toGantry: GantryId }),
      body: {
        content: {
          "application/json": {
            schema: z.object({ capPermille: z.number().int().min(1000).max(10000).nullable(), frozen: z.boolean() }),
          },
        },
        required: true,
      },
    },
    responses: {
      200: { description: "The override now in force", content: { "application/json": { schema: PriceOverrideSchema } } },
      404: { description: "The segment is not priced" },
    },
  },
  async (c) => {
    const { fromGantry, toGantry } = c.req.valid("param");
    const b = c.req.valid("json");
    const after = await auditedPricingChange(c, { fromGantry, toGantry }, "price_override.set", (q, actorName) =>
      q.setOverride(fromGantry, toGantry, b, actorName),
    );
    return c.json(after, 200);
  },
);
