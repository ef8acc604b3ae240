import { z } from "@hono/zod-openapi";
import { AdjustmentService } from "../../../core/settlement/adjustments.ts";
import { actorOf, recordAudit } from "../../audit/audit-log.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_WRITERS } from "../../http/roles.ts";
import { AdjustmentSchema, IdParams } from "./schemas.ts";

export default defineRoute(
  {
    method: "post",
    path: "/v1/adjustments/{id}/reject",
    tags: ["adjustments"],
    summary: "Reject an open adjustment (four eyes: not by the key that opened it)",
    roles: CUSTOMER_WRITERS,
    request: { params: IdParams, body: { content: { "application/json": { schema: z.object({ note: z.string().trim().min(1).max(1000) }) } } } },
    responses: {
      200: { description: "Rejected", content: { "application/json": { schema: AdjustmentSchema } } },
      404: { description: "No such adjustment" },
    },
  },
  async (c) => {
    const { id } = c.req.valid("param");
    const { note } = c.req.valid("json");
    const actor = actorOf(c);
    const after = await c.var.deps.db.tx(async (tx) => {
      const r = await new AdjustmentService(tx).reject(tx, id, actor.keyId, note);
      await recordAudit(tx, actor, { action: "adjustment.reject", entity: "adjustment", entityId: id, before: r.before, after: r.after });
      return r.after;
    });
    return c.json(after, 200);
  },
);
