import { z } from "@hono/zod-openapi";
import { TrafficQueries } from "../../../control/queries/traffic-queries.ts";
import { defineRoute } from "../../http/define-route.ts";
import { TRAFFIC_OPERATORS } from "../../http/roles.ts";
import { GantryId } from "../reference/schemas.ts";
import { ClassQuery, CountSchema, Direction, PeriodQuery, SeriesLimit, limitedOf } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/traffic/counts",
    tags: ["traffic"],
    summary: "Vehicle counts per gantry, class and 5-min interval (TDCS M03A)",
    description: "source ingest: counted by the ingest from reads; tdcs: imported files. Rules across fields: `to` after `from`, at most 31 days later (400).",
    roles: TRAFFIC_OPERATORS,
    request: {
      query: PeriodQuery.extend({
        gantryId: GantryId.optional(),
        direction: Direction,
        vehicleClass: ClassQuery,
        source: z.enum(["ingest", "tdcs"]).default("ingest"),
        limit: SeriesLimit,
      }),
    },
    responses: { 200: { description: "Counts in time order", content: { "application/json": { schema: limitedOf(CountSchema) } } } },
  },
  async (c) => {
    const q = c.req.valid("query");
    const r = await new TrafficQueries(c.var.deps.db).counts({ ...q, fromMs: Date.parse(q.from), toMs: Date.parse(q.to) });
    return c.json(r, 200);
  },
);
