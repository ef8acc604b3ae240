import { z } from "@hono/zod-openapi";
import { PricingQueries } from "../../../control/pricing/pricing-queries.ts";
import { defineRoute } from "../../http/define-route.ts";
import { TRAFFIC_OPERATORS } from "../../http/roles.ts";
import { PricedSegmentSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/traffic/priced-segments",
    tags: ["traffic"],
    summary: "The segments under congestion pricing, with their capacity, override and newest price",
    roles: TRAFFIC_OPERATORS,
    responses: { 200: { description: "Priced segments", content: { "application/json": { schema: z.object({ items: z.array(PricedSegmentSchema) }) } } } },
  },
  async (c) => c.json({ items: await new PricingQueries(c.var.deps.db).pricedSegments() }, 200),
);
