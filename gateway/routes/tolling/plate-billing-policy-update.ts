import { z } from "@hono/zod-openapi";
import { PlateBillService } from "../../../core/settlement/plate-bills.ts";
import { actorOf, recordAudit } from "../../audit/audit-log.ts";
import { defineRoute } from "../../http/define-route.ts";
import { ADMINS } from "../../http/roles.ts";
import { PlateBillingPolicySchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "put",
    path: "/v1/plate-billing-policy",
    tags: ["plate billing"],
    summary: "Set due days and escalation amounts (applies to escalations from now on)",
    description: "Rules across fields: escalation goes notice, then fee, then fine: noticeAfterDays <= feeAfterDays <= fineAfterDays (422).",
    roles: ADMINS,
    request: { body: { content: { "application/json": { schema: PlateBillingPolicySchema } }, required: true } },
    responses: {
      200: { description: "The new policy", content: { "application/json": { schema: PlateBillingPolicySchema.extend({ updatedAt: z.string() }) } } },
      422: { description: "The steps are out of order" },
    },
  },
  async (c) => {
    const b = c.req.valid("json");
    const actor = actorOf(c);
    const after = await c.var.deps.db.tx(async (tx) => {
      const r = await new PlateBillService(tx).updatePolicy(tx, b);
      await recordAudit(tx, actor, { action: "plate_billing_policy.update", entity: "plate_billing_policy", entityId: null, before: r.before, after: r.after });
      return r.after;
    });
    return c.json(after, 200);
  },
);
