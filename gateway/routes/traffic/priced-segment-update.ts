import { z } from "@hono/zod-openapi";
import { defineRoute } from "../../http/define-route.ts";
import { auditedPricingChange } from "./priced-segment-change.ts";
import { ADMINS } from "../../http/roles.ts";
import { GantryId } from "../reference/schemas.ts";
import { PricedSegmentSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "put",
    path: "/v1/traffic/priced-segments/{fromGantry}/{toGantry}",
    tags: ["traffic"],
    summary: "Put a segment under congestion pricing, change its capacity, or stop pricing it (audited)",
    description:
      "Taiwan's fixed rates stay the default: only segments put here are priced (control/pricing). enabled=false stops new prices; " +
      "the last one lapses 15 minutes after it took effect. capacityVph (vehicles per hour, all lanes) lets the price rise before a queue forms. " +
      "The segment must be two consecutive gantries of the current network (404 otherwise). Prices change what vehicles are charged: admins only.",
    roles: ADMINS,
    request: {
      params: z.object({ fromGantry: GantryId, toGantry: GantryId }),
      body: {
        content: {
          "application/json": {
            schema: z.object({ enabled: z.boolean(), capacityVph: z.number().int().min(100).max(50_000).nullable() }),
          },
        },
        required: true,
      },
    },
    responses: {
      200: { description: "The priced segment now", content: { "application/json": { schema: PricedSegmentSchema } } },
      404: { description: "Not a segment of the current network" },
    },
  },
  async (c) => {
    const { fromGantry, toGantry } = c.req.valid("param");
    const b = c.req.valid("json");
    const after = await auditedPricingChange(c, { fromGantry, toGantry }, "priced_segment.set", (q) => q.setPricedSegment(fromGantry, toGantry, b));
    return c.json(after, 200);
  },
);
