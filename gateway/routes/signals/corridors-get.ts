import { defineRoute } from "../../http/define-route.ts";
import { SIGNAL_PLAN_READERS } from "../../http/roles.ts";
import { IdParams } from "../../http/schemas.ts";
import { CorridorSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/corridors/{id}",
    tags: ["signals"],
    summary: "A corridor with its intersections",
    roles: SIGNAL_PLAN_READERS,
    request: { params: IdParams },
    responses: {
      200: { description: "The corridor", content: { "application/json": { schema: CorridorSchema } } },
      404: { description: "No such corridor" },
    },
  },
  async (c) => c.json(await c.var.deps.signals.corridors.get(c.req.valid("param").id), 200),
);
