import { z } from "@hono/zod-openapi";
import { PricingQueries } from "../../../control/pricing/pricing-queries.ts";
import { defineRoute } from "../../http/define-route.ts";
import { TRAFFIC_OPERATORS } from "../../http/roles.ts";
import { GantryId } from "../reference/schemas.ts";
import { PriceSchema, SeriesLimit, limitedOf, EpisodeWindowQuery, withWindowMs } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/traffic/prices",
    tags: ["traffic"],
    summary: "Congestion prices of the priced segments, with the speed and volume behind each",
    description:
      "current=true: the newest price of each priced segment (announced before it applies). Otherwise give from and to: prices announced in the period, in order. " +
      "Rules across fields: without current=true, `from` and `to` are required, `to` after `from`, at most 31 days later (400).",
    roles: TRAFFIC_OPERATORS,
    request: {
      query: z.object({
        ...EpisodeWindowQuery,
        fromGantry: GantryId.optional(),
        limit: SeriesLimit,
      }),
    },
    responses: { 200: { description: "Prices", content: { "application/json": { schema: limitedOf(PriceSchema) } } } },
  },
  async (c) => {
    const q = c.req.valid("query");
    const r = await new PricingQueries(c.var.deps.db).prices(withWindowMs(q));
    return c.json(r, 200);
  },
);
