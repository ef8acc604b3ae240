import { z } from "@hono/zod-openapi";
import { AccountService } from "../../accounts/accounts.ts";
import { actorOf } from "../../audit/audit-log.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_WRITERS } from "../../http/roles.ts";
import { IdParams } from "../../http/schemas.ts";
import { AccountSchema, LedgerEntrySchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "post",
    path: "/v1/accounts/{id}/top-ups",
    tags: ["accounts"],
    summary: "Top up an account (send an Idempotency-Key: a retried top-up is never credited twice)",
    roles: CUSTOMER_WRITERS,
    request: {
      params: IdParams,
      body: {
        content: {
          "application/json": {
            schema: z.object({
              amountTenths: z.number().int().min(1).max(1_000_000_000).openapi({ description: "NT$0.1 units; 5000 = NT$500", example: 5000 }),
              description: z.string().trim().max(500).nullable().optional().openapi({ example: "convenience store top-up" }),
            }),
          },
        },
      },
    },
    responses: {
      201: { description: "Credited", content: { "application/json": { schema: z.object({ account: AccountSchema, entry: LedgerEntrySchema }) } } },
    },
  },
  async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const r = await c.var.deps.db.tx((tx) => new AccountService(tx).topUp(tx, actorOf(c), id, body.amountTenths, body.description ?? null));
    return c.json(r, 201);
  },
);
