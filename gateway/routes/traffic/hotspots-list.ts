import { z } from "@hono/zod-openapi";
import { TrafficQueries } from "../../../control/queries/traffic-queries.ts";
import { defineRoute } from "../../http/define-route.ts";
import { TRAFFIC_OPERATORS } from "../../http/roles.ts";
import { GantryId } from "../reference/schemas.ts";
import { Direction, Freeway, HotspotSchema, SeriesLimit, StatsSource, limitedOf, EpisodeWindowQuery, withWindowMs } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/traffic/hotspots",
    tags: ["traffic"],
    summary: "Congestion hotspots (PeMS bottlenecks), current or history, ranked by vehicle-hours of delay",
    description:
      "current=true: hotspots now new (seen, not yet 5 of 7 intervals) or active. Otherwise give from and to: hotspots that overlap the period. A bottleneck is a segment below 64 km/h with the next segment more than 32 km/h faster, in at least 5 of 7 consecutive 5-min intervals. " +
      "Rules across fields: without current=true, `from` and `to` are required, `to` after `from`, at most 31 days later (400).",
    roles: TRAFFIC_OPERATORS,
    request: {
      query: z.object({
        ...EpisodeWindowQuery,
        status: z.enum(["new", "active", "cleared"]).optional(),
        freeway: Freeway,
        direction: Direction,
        fromGantry: GantryId.optional(),
        source: StatsSource,
        limit: SeriesLimit,
      }),
    },
    responses: { 200: { description: "Hotspots", content: { "application/json": { schema: limitedOf(HotspotSchema) } } } },
  },
  async (c) => {
    const q = c.req.valid("query");
    const r = await new TrafficQueries(c.var.deps.db).hotspots(withWindowMs(q));
    return c.json(r, 200);
  },
);
