import { z } from "@hono/zod-openapi";
import { AccountService } from "../../accounts/accounts.ts";
import { actorOf } from "../../audit/audit-log.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_WRITERS } from "../../http/roles.ts";
import { AccountSchema, Email, Name, Phone, Threshold } from "./schemas.ts";

export default defineRoute(
  {
    method: "post",
    path: "/v1/accounts",
    tags: ["accounts"],
    summary: "Open a prepaid account (personal, or fleet with several tags)",
    roles: CUSTOMER_WRITERS,
    request: {
      body: {
        content: {
          "application/json": {
            schema: z.object({
              kind: z.enum(["personal", "fleet"]).default("personal"),
              name: Name.openapi({ example: "Lin Mei-ling" }),
              email: Email.nullable().optional(),
              phone: Phone.nullable().optional(),
              lowBalanceThresholdTenths: Threshold.optional(),
            }),
          },
        },
      },
    },
    responses: { 201: { description: "Opened", content: { "application/json": { schema: AccountSchema } } } },
  },
  async (c) => {
    const body = c.req.valid("json");
    const { db } = c.var.deps;
    const account = await db.tx((tx) => new AccountService(tx).create(tx, actorOf(c), body));
    return c.json(account, 201);
  },
);
