import { TrafficQueries } from "../../../control/queries/traffic-queries.ts";
import { defineRoute } from "../../http/define-route.ts";
import { TRAFFIC_OPERATORS } from "../../http/roles.ts";
import { SegmentQuery, SegmentStatSchema, limitedOf } from "./schemas.ts";

/** Travel times (M04A) and speeds (M05A) are the same query over segment_stats, one column apart. */
export function segmentStatsRoute(kind: "travel" | "speed", path: string, summary: string) {
  return defineRoute(
    {
      method: "get",
      path,
      tags: ["traffic"],
      summary,
      description:
        "A vehicle belongs to the interval in which it passed the segment's upstream gantry. Filter by segment (fromGantry, toGantry), freeway, direction and class; source computed (from reads) or tdcs (imported). Rules across fields: `to` after `from`, at most 31 days later (400).",
      roles: TRAFFIC_OPERATORS,
      request: { query: SegmentQuery },
      responses: { 200: { description: "Rows in time order", content: { "application/json": { schema: limitedOf(SegmentStatSchema) } } } },
    },
    async (c) => {
      const q = c.req.valid("query");
      const r = await new TrafficQueries(c.var.deps.db).segmentStats({ ...q, fromMs: Date.parse(q.from), toMs: Date.parse(q.to) }, kind);
      return c.json(r, 200);
    },
  );
}
