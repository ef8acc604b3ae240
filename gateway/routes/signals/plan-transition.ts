import type { Queryable } from "../../../core/db/database.ts";
import type { SignalPlan, SignalPlanService } from "../../../control/signals/plan-service.ts";
import { actorOf, recordAudit, type Actor, type AuditEntry } from "../../audit/audit-log.ts";
import { defineRoute } from "../../http/define-route.ts";
import { TRAFFIC_OPERATORS } from "../../http/roles.ts";
import { IdParams } from "../../http/schemas.ts";
import { SignalPlanSchema } from "./schemas.ts";

export interface PlanTransition {
  /** The step in the plan's lifecycle: the path is /v1/signal-plans/{id}/<step>, the audit action signal_plan.<step>. */
  step: "approve" | "activate" | "retire";
  summary: string;
  /** Description of the 200 response. */
  done: string;
  /** Changes the plan inside the transaction; `alsoAudit`: rows for other plans the step changed. */
  run(plans: SignalPlanService, id: number, actor: Actor, tx: Queryable): Promise<{ before: SignalPlan; after: SignalPlan; alsoAudit?: AuditEntry[] }>;
}

/**
 * Approve, activate and retire are the same operation on a plan: one transaction that changes its
 * status and records the audit rows, answering the plan as it is after. Each route file registers one.
 */
export function planTransitionRoute(t: PlanTransition) {
  return defineRoute(
    {
      method: "post",
      path: `/v1/signal-plans/{id}/${t.step}`,
      tags: ["signals"],
      summary: t.summary,
      roles: TRAFFIC_OPERATORS,
      request: { params: IdParams },
      responses: {
        200: { description: t.done, content: { "application/json": { schema: SignalPlanSchema } } },
        404: { description: "No such plan" },
      },
    },
    async (c) => {
      const { id } = c.req.valid("param");
      const { plans } = c.var.deps.signals;
      const actor = actorOf(c);
      const after = await c.var.deps.db.tx(async (tx) => {
        const r = await t.run(plans, id, actor, tx);
        for (const entry of r.alsoAudit ?? []) await recordAudit(tx, actor, entry);
        await recordAudit(tx, actor, { action: `signal_plan.${t.step}`, entity: "signal_plan", entityId: id, before: r.before, after: r.after });
        return r.after;
      });
      return c.json(after, 200);
    },
  );
}
