import { z } from "@hono/zod-openapi";
import { AdjustmentService } from "../../../core/settlement/adjustments.ts";
import { actorOf, recordAudit } from "../../audit/audit-log.ts";
import { defineRoute } from "../../http/define-route.ts";
import { ADMINS } from "../../http/roles.ts";
import { ReasonSchema } from "./adjustment-reasons-list.ts";

export default defineRoute(
  {
    method: "post",
    path: "/v1/adjustment-reasons",
    tags: ["adjustments"],
    summary: "Add a reason code",
    roles: ADMINS,
    request: {
      body: {
        content: {
          "application/json": {
            schema: z.object({
              code: z
                .string()
                .trim()
                .regex(/^[a-z][a-z0-9_]{1,39}$/, "lower-case letters, digits and underscores")
                .openapi({ example: "gantry_fault" }),
              description: z.string().trim().min(1).max(200),
            }),
          },
        },
      },
    },
    responses: { 201: { description: "Created", content: { "application/json": { schema: ReasonSchema } } } },
  },
  async (c) => {
    const b = c.req.valid("json");
    const actor = actorOf(c);
    const r = await c.var.deps.db.tx(async (tx) => {
      const created = await new AdjustmentService(tx).createReason(tx, b.code, b.description);
      await recordAudit(tx, actor, { action: "adjustment_reason.create", entity: "adjustment_reason", entityId: created.code, after: created });
      return created;
    });
    return c.json(r, 201);
  },
);
