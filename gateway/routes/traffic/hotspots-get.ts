import { TrafficQueries } from "../../../control/queries/traffic-queries.ts";
import { defineRoute } from "../../http/define-route.ts";
import { TRAFFIC_OPERATORS } from "../../http/roles.ts";
import { IdParams } from "../../http/schemas.ts";
import { HotspotSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/traffic/hotspots/{id}",
    tags: ["traffic"],
    summary: "One hotspot with its lifecycle, extent and delay",
    roles: TRAFFIC_OPERATORS,
    request: { params: IdParams },
    responses: {
      200: { description: "The hotspot", content: { "application/json": { schema: HotspotSchema } } },
      404: { description: "No such hotspot" },
    },
  },
  async (c) => c.json(await new TrafficQueries(c.var.deps.db).hotspot(c.req.valid("param").id), 200),
);
