import { IncidentQueries } from "../../../control/incidents/incident-queries.ts";
import { defineRoute } from "../../http/define-route.ts";
import { TRAFFIC_OPERATORS } from "../../http/roles.ts";
import { IdParams } from "../../http/schemas.ts";
import { IncidentSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/traffic/incidents/{id}",
    tags: ["traffic"],
    summary: "One incident with its lifecycle, severity, queue and hotspot",
    roles: TRAFFIC_OPERATORS,
    request: { params: IdParams },
    responses: {
      200: { description: "The incident", content: { "application/json": { schema: IncidentSchema } } },
      404: { description: "No such incident" },
    },
  },
  async (c) => c.json(await new IncidentQueries(c.var.deps.db).incident(c.req.valid("param").id), 200),
);
