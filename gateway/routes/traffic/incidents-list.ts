import { z } from "@hono/zod-openapi";
import { IncidentQueries } from "../../../control/incidents/incident-queries.ts";
import { defineRoute } from "../../http/define-route.ts";
import { TRAFFIC_OPERATORS } from "../../http/roles.ts";
import { Direction, Freeway, IncidentSchema, SeriesLimit, limitedOf, EpisodeWindowQuery, withWindowMs } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/traffic/incidents",
    tags: ["traffic"],
    summary: "Incidents detected from overdue tags, current or history, newest first",
    description:
      "current=true: incidents raised or confirmed and not cleared. Otherwise give from and to: incidents raised before `to` and not cleared before `from`. " +
      "An incident is a run of vehicles read at a gantry and not at the next one within the time-of-day travel time (control/incidents). " +
      "Rules across fields: without current=true, `from` and `to` are required, `to` after `from`, at most 31 days later (400).",
    roles: TRAFFIC_OPERATORS,
    request: {
      query: z.object({
        ...EpisodeWindowQuery,
        status: z.enum(["raised", "confirmed", "cleared"]).optional(),
        severity: z.enum(["minor", "moderate", "severe"]).optional(),
        freeway: Freeway,
        direction: Direction,
        limit: SeriesLimit,
      }),
    },
    responses: { 200: { description: "Incidents", content: { "application/json": { schema: limitedOf(IncidentSchema) } } } },
  },
  async (c) => {
    const q = c.req.valid("query");
    const r = await new IncidentQueries(c.var.deps.db).incidents(withWindowMs(q));
    return c.json(r, 200);
  },
);
