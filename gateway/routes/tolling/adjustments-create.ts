import { z } from "@hono/zod-openapi";
import { ADJUSTMENT_KINDS, AdjustmentService } from "../../../core/settlement/adjustments.ts";
import { actorOf, recordAudit } from "../../audit/audit-log.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_WRITERS } from "../../http/roles.ts";
import { AdjustmentSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "post",
    path: "/v1/adjustments",
    tags: ["adjustments"],
    summary: "Open an adjustment or dispute against an account, a settlement or a plate bill",
    description:
      "It stays open until another key approves (applies it to the ledger or the bill) or rejects it.\n\n" +
      "Rules across fields (422): it applies to exactly one account or one plate bill: give `accountId` or `plateBillId`, or a " +
      "`settlementId` whose vehicle has one; with both `settlementId` and `accountId`, the settlement must be that account's. " +
      "The account, bill, settlement and reason code must exist.",
    roles: CUSTOMER_WRITERS,
    request: {
      body: {
        content: {
          "application/json": {
            schema: z.object({
              accountId: z.number().int().positive().optional(),
              plateBillId: z.number().int().positive().optional(),
              settlementId: z.number().int().positive().optional(),
              reasonCode: z.string().trim().min(1).max(40).openapi({ example: "misread" }),
              kind: z.enum(ADJUSTMENT_KINDS).default("dispute"),
              amountTenths: z
                .number()
                .int()
                .min(-10_000_000)
                .max(10_000_000)
                .refine((v) => v !== 0, "must not be 0")
                .openapi({
                  description: "Credit to the customer positive, NT$0.1",
                  example: 500,
                }),
              note: z.string().trim().max(1000).optional(),
            }),
          },
        },
      },
    },
    responses: {
      201: { description: "Opened", content: { "application/json": { schema: AdjustmentSchema } } },
      422: { description: "Unknown account, bill, settlement or reason code, or not exactly one account or plate bill" },
    },
  },
  async (c) => {
    const b = c.req.valid("json");
    const actor = actorOf(c);
    const created = await c.var.deps.db.tx(async (tx) => {
      const a = await new AdjustmentService(tx).create(tx, b, actor.keyId);
      await recordAudit(tx, actor, { action: "adjustment.create", entity: "adjustment", entityId: a.id, after: a });
      return a;
    });
    return c.json(created, 201);
  },
);
