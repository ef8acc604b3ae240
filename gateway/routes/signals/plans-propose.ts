import { actorOf, recordAudit } from "../../audit/audit-log.ts";
import { defineRoute } from "../../http/define-route.ts";
import { TRAFFIC_OPERATORS } from "../../http/roles.ts";
import { IdParams } from "../../http/schemas.ts";
import { SignalPlanSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "post",
    path: "/v1/corridors/{id}/plans",
    tags: ["signals"],
    summary: "Compute a green-wave plan (Webster splits, MAXBAND offsets) as the next proposed version",
    description:
      "Webster per intersection, a common cycle, MAXBAND (HiGHS) offsets and bands; one-way progression when MAXBAND has no solution. Offsets are the start of the arterial green relative to intersection 1's.",
    roles: TRAFFIC_OPERATORS,
    request: { params: IdParams },
    responses: {
      201: { description: "Proposed plan", content: { "application/json": { schema: SignalPlanSchema } } },
      404: { description: "No such corridor" },
      422: { description: "The corridor's timing leaves no plan" },
    },
  },
  async (c) => {
    const { id } = c.req.valid("param");
    const { plans } = c.var.deps.signals;
    const actor = actorOf(c);
    const computed = await plans.compute(id);
    const stored = await c.var.deps.db.tx(async (tx) => {
      const plan = await plans.store(id, computed, actor.keyId, tx);
      await recordAudit(tx, actor, { action: "signal_plan.propose", entity: "signal_plan", entityId: plan.id, after: plan });
      return plan;
    });
    return c.json(stored, 201);
  },
);
