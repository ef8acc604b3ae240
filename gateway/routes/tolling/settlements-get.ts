import { z } from "@hono/zod-openapi";
import { SettlementQueries } from "../../../core/settlement/settlement-queries.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_READERS } from "../../http/roles.ts";
import { IdParams, SettlementSchema, Tenths } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/settlements/{id}",
    tags: ["settlement"],
    summary: "One settlement with its ledger entries (the toll and any re-rating adjustments)",
    roles: CUSTOMER_READERS,
    request: { params: IdParams },
    responses: {
      200: {
        description: "The settlement",
        content: {
          "application/json": {
            schema: SettlementSchema.extend({
              ledgerEntries: z.array(z.object({ id: z.number().int(), kind: z.string(), amountTenths: Tenths, createdAt: z.string() })),
            }),
          },
        },
      },
      404: { description: "No such settlement" },
    },
  },
  async (c) => c.json(await new SettlementQueries(c.var.deps.db).get(c.req.valid("param").id), 200),
);
