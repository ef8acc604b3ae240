import { defineRoute } from "../../http/define-route.ts";
import { SIGNAL_PLAN_READERS } from "../../http/roles.ts";
import { IdParams } from "../../http/schemas.ts";
import { ControllerExportSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/corridors/{id}/active-plan/export",
    tags: ["signals"],
    summary: "The corridor's active plan per controller: cycle, splits, offset (tollway.signal-plan.v1)",
    description:
      "Times in seconds, rounded to 0.1 s. offsetS is the start of the arterial green at the intersection after the start of the arterial green at intersection seq 1, 0 <= offsetS < cycleS. splits are effective greens per phase (stage); the rest of the cycle is lost time.",
    roles: SIGNAL_PLAN_READERS,
    request: { params: IdParams },
    responses: {
      200: { description: "Controller export", content: { "application/json": { schema: ControllerExportSchema } } },
      404: { description: "No such corridor, or no active plan" },
    },
  },
  async (c) => c.json(await c.var.deps.signals.plans.exportActive(c.req.valid("param").id), 200),
);
