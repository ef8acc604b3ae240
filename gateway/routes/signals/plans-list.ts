import { z } from "@hono/zod-openapi";
import { defineRoute } from "../../http/define-route.ts";
import { SIGNAL_PLAN_READERS } from "../../http/roles.ts";
import { IdParams } from "../../http/schemas.ts";
import { SignalPlanSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/corridors/{id}/plans",
    tags: ["signals"],
    summary: "A corridor's signal plans, newest version first",
    roles: SIGNAL_PLAN_READERS,
    request: { params: IdParams },
    responses: {
      200: { description: "Plans", content: { "application/json": { schema: z.object({ items: z.array(SignalPlanSchema) }) } } },
      404: { description: "No such corridor" },
    },
  },
  async (c) => c.json({ items: await c.var.deps.signals.plans.list(c.req.valid("param").id) }, 200),
);
