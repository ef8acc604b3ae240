import { actorOf, recordAudit } from "../../audit/audit-log.ts";
import { defineRoute } from "../../http/define-route.ts";
import { IdParams } from "../../http/schemas.ts";
import { signalServices, SignalPlanSchema, WRITE_ROLES } from "./schemas.ts";

export default defineRoute(
  {
    method: "post",
    path: "/v1/signal-plans/{id}/approve",
    tags: ["signals"],
    summary: "Approve a proposed plan",
    roles: WRITE_ROLES,
    request: { params: IdParams },
    responses: {
      200: { description: "Approved", content: { "application/json": { schema: SignalPlanSchema } } },
      404: { description: "No such plan" },
    },
  },
  async (c) => {
    const { id } = c.req.valid("param");
    const { plans } = signalServices(c.var.deps);
    const actor = actorOf(c);
    const after = await c.var.deps.db.tx(async (tx) => {
      const r = await plans.approve(id, actor.keyId, tx);
      await recordAudit(tx, actor, { action: "signal_plan.approve", entity: "signal_plan", entityId: id, before: r.before, after: r.after });
      return r.after;
    });
    return c.json(after, 200);
  },
);
