import { z } from "@hono/zod-openapi";
import { TrafficQueries } from "../../../control/queries/traffic-queries.ts";
import { defineRoute } from "../../http/define-route.ts";
import { TRAFFIC_OPERATORS } from "../../http/roles.ts";
import { Plate, TagId, Timestamp } from "../../http/schemas.ts";
import { SeriesLimit, StatsSource, TrafficTripSchema, limitedOf, withWindowMs } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/traffic/trips",
    tags: ["traffic"],
    summary: "A vehicle's trips (TDCS M06A): ordered gantry paths with times, newest first",
    description: "Give exactly one of tagId or plate (plate: vehicles read without a tag). A trip ends after 30 minutes without a read.",
    roles: TRAFFIC_OPERATORS,
    request: {
      query: z.object({
        tagId: TagId.optional(),
        plate: Plate.optional(),
        from: Timestamp.optional(),
        to: Timestamp.optional(),
        source: StatsSource,
        limit: SeriesLimit,
      }),
    },
    responses: { 200: { description: "Trips", content: { "application/json": { schema: limitedOf(TrafficTripSchema) } } } },
  },
  async (c) => {
    const q = c.req.valid("query");
    const r = await new TrafficQueries(c.var.deps.db).trips({
      tagId: q.tagId,
      plate: q.plate,
      ...withWindowMs({ from: q.from, to: q.to }),
      source: q.source,
      limit: q.limit,
    });
    return c.json(r, 200);
  },
);
