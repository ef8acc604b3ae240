import { z } from "@hono/zod-openapi";
import { segmentReliability } from "../../../control/hotspots/reliability.ts";
import { TrafficQueries } from "../../../control/queries/traffic-queries.ts";
import { defineRoute } from "../../http/define-route.ts";
import { TRAFFIC_OPERATORS } from "../../http/roles.ts";
import { GantryId } from "../reference/schemas.ts";
import { ClassQuery, Direction, Freeway, PeriodQuery, ReliabilitySchema, StatsSource } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/traffic/reliability",
    tags: ["traffic"],
    summary: "Travel Time Index and Planning Time Index per segment over a period, least reliable first",
    description:
      "TTI = volume-weighted mean travel time / free-flow travel time; PTI = 95th-percentile travel time (over the 5-min intervals with traffic) / free-flow travel time. Free flow: the segment's free_flow_kmh. Rules across fields: `to` after `from`, at most 31 days later (400).",
    roles: TRAFFIC_OPERATORS,
    request: {
      query: PeriodQuery.extend({ fromGantry: GantryId.optional(), freeway: Freeway, direction: Direction, vehicleClass: ClassQuery, source: StatsSource }),
    },
    responses: { 200: { description: "Per segment", content: { "application/json": { schema: z.object({ items: z.array(ReliabilitySchema) }) } } } },
  },
  async (c) => {
    const q = c.req.valid("query");
    const period = { fromMs: Date.parse(q.from), toMs: Date.parse(q.to) };
    new TrafficQueries(c.var.deps.db).checkPeriod(period);
    const items = await segmentReliability(c.var.deps.db, { ...q, ...period });
    return c.json({ items }, 200);
  },
);
