import { z } from "@hono/zod-openapi";
import { PlateBillService } from "../../../core/settlement/plate-bills.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_READERS } from "../../http/roles.ts";
import { IdParams, PlateBillSchema, Tenths } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/plate-bills/{id}",
    tags: ["plate billing"],
    summary: "One plate bill with its history (created, re-rated, notice, fee, fine, paid)",
    roles: CUSTOMER_READERS,
    request: { params: IdParams },
    responses: {
      200: {
        description: "The bill",
        content: {
          "application/json": {
            schema: PlateBillSchema.extend({
              events: z.array(z.object({ kind: z.string(), amountTenths: Tenths, at: z.string() })),
              refunds: z
                .array(z.object({ id: z.number().int(), amountTenths: Tenths, status: z.enum(["due", "paid"]), createdAt: z.string() }))
                .openapi({ description: "Refunds due to the payer of this paid bill after it was re-rated lower" }),
              supplements: z.array(z.number().int()).openapi({ description: "Supplementary bills made when this paid bill was re-rated higher" }),
            }),
          },
        },
      },
      404: { description: "No such bill" },
    },
  },
  async (c) => c.json(await new PlateBillService(c.var.deps.db).get(c.req.valid("param").id), 200),
);
