import { z } from "@hono/zod-openapi";
import { AdjustmentService } from "../../../core/settlement/adjustments.ts";
import { actorOf, recordAudit } from "../../audit/audit-log.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_WRITERS } from "../../http/roles.ts";
import { AdjustmentSchema, IdParams } from "./schemas.ts";

export default defineRoute(
  {
    method: "post",
    path: "/v1/adjustments/{id}/approve",
    tags: ["adjustments"],
    summary: "Approve and apply an open adjustment (four eyes: not by the key that opened it)",
    description:
      "Account: a credit is posted to the ledger as 'refund', a debit as 'correction'. Plate bill: the toll is reduced (a bill reduced to 0 is cancelled).",
    roles: CUSTOMER_WRITERS,
    request: { params: IdParams, body: { content: { "application/json": { schema: z.object({ note: z.string().max(1000).optional() }) } } } },
    responses: {
      200: { description: "Applied", content: { "application/json": { schema: AdjustmentSchema } } },
      404: { description: "No such adjustment" },
    },
  },
  async (c) => {
    const { id } = c.req.valid("param");
    const actor = actorOf(c);
    const after = await c.var.deps.db.tx(async (tx) => {
      const r = await new AdjustmentService(tx).approve(tx, id, actor.keyId);
      await recordAudit(tx, actor, { action: "adjustment.approve", entity: "adjustment", entityId: id, before: r.before, after: r.after });
      return r.after;
    });
    return c.json(after, 200);
  },
);
