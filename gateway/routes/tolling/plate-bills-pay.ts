import { z } from "@hono/zod-openapi";
import { PlateBillService } from "../../../core/settlement/plate-bills.ts";
import { actorOf, recordAudit } from "../../audit/audit-log.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_WRITERS } from "../../http/roles.ts";
import { IdParams, PlateBillSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "post",
    path: "/v1/plate-bills/{id}/payments",
    tags: ["plate billing"],
    summary: "Pay a plate bill (the whole outstanding amount: toll + fee + fine)",
    description: "Send an Idempotency-Key: a retried payment is answered from the first one, never paid twice.",
    roles: CUSTOMER_WRITERS,
    request: {
      params: IdParams,
      body: {
        content: {
          "application/json": {
            schema: z.object({ amountTenths: z.number().int().positive().openapi({ example: 2130 }), reference: z.string().max(100).optional() }),
          },
        },
      },
    },
    responses: {
      200: { description: "The paid bill", content: { "application/json": { schema: PlateBillSchema } } },
      404: { description: "No such bill" },
      422: { description: "The amount is not the outstanding amount" },
    },
  },
  async (c) => {
    const { id } = c.req.valid("param");
    const b = c.req.valid("json");
    const actor = actorOf(c);
    const after = await c.var.deps.db.tx(async (tx) => {
      const r = await new PlateBillService(tx).pay(tx, id, b.amountTenths);
      await recordAudit(tx, actor, {
        action: "plate_bill.pay",
        entity: "plate_bill",
        entityId: id,
        before: r.before,
        after: { ...r.after, reference: b.reference ?? null },
      });
      return r.after;
    });
    return c.json(after, 200);
  },
);
