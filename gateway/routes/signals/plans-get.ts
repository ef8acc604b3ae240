import { defineRoute } from "../../http/define-route.ts";
import { SIGNAL_PLAN_READERS } from "../../http/roles.ts";
import { IdParams } from "../../http/schemas.ts";
import { SignalPlanDetailSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/signal-plans/{id}",
    tags: ["signals"],
    summary: "A signal plan with its full result (Webster, bands, baseline, time-space rows)",
    roles: SIGNAL_PLAN_READERS,
    request: { params: IdParams },
    responses: {
      200: { description: "The plan", content: { "application/json": { schema: SignalPlanDetailSchema } } },
      404: { description: "No such plan" },
    },
  },
  async (c) => {
    const plan = await c.var.deps.signals.plans.detail(c.req.valid("param").id);
    return c.json({ ...plan, result: plan.result as unknown as Record<string, unknown> }, 200);
  },
);
