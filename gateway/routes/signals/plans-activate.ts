import { actorOf, recordAudit } from "../../audit/audit-log.ts";
import { defineRoute } from "../../http/define-route.ts";
import { IdParams } from "../../http/schemas.ts";
import { signalServices, SignalPlanSchema, WRITE_ROLES } from "./schemas.ts";

export default defineRoute(
  {
    method: "post",
    path: "/v1/signal-plans/{id}/activate",
    tags: ["signals"],
    summary: "Activate an approved plan; the corridor's previous active plan is retired",
    roles: WRITE_ROLES,
    request: { params: IdParams },
    responses: {
      200: { description: "Active", content: { "application/json": { schema: SignalPlanSchema } } },
      404: { description: "No such plan" },
    },
  },
  async (c) => {
    const { id } = c.req.valid("param");
    const { plans } = signalServices(c.var.deps);
    const actor = actorOf(c);
    const after = await c.var.deps.db.tx(async (tx) => {
      const r = await plans.activate(id, tx);
      if (r.retired) {
        await recordAudit(tx, actor, { action: "signal_plan.retire", entity: "signal_plan", entityId: r.retired.id, before: { ...r.retired, status: "active", retiredAt: null }, after: r.retired });
      }
      await recordAudit(tx, actor, { action: "signal_plan.activate", entity: "signal_plan", entityId: id, before: r.before, after: r.after });
      return r.after;
    });
    return c.json(after, 200);
  },
);
