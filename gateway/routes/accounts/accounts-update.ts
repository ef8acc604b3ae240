import { z } from "@hono/zod-openapi";
import { AccountService } from "../../accounts/accounts.ts";
import { actorOf } from "../../audit/audit-log.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_WRITERS } from "../../http/roles.ts";
import { IdParams } from "../../http/schemas.ts";
import { AccountSchema, Email, Name, Phone, Threshold } from "./schemas.ts";

export default defineRoute(
  {
    method: "patch",
    path: "/v1/accounts/{id}",
    tags: ["accounts"],
    summary: "Change an account's name, contact, low-balance threshold or status",
    description:
      "Status: active, suspended or closed (low_balance is set by the system). " +
      "Rules across fields: give at least one field (400). A closed account stays closed: changing it is a 409.",
    roles: CUSTOMER_WRITERS,
    request: {
      params: IdParams,
      body: {
        content: {
          "application/json": {
            schema: z
              .object({
                name: Name.optional(),
                email: Email.nullable().optional(),
                phone: Phone.nullable().optional(),
                lowBalanceThresholdTenths: Threshold.optional(),
                status: z.enum(["active", "suspended", "closed"]).optional(),
              })
              .strict()
              .refine((o) => Object.keys(o).length > 0, "give at least one field to change"),
          },
        },
      },
    },
    responses: {
      200: { description: "The updated account", content: { "application/json": { schema: AccountSchema } } },
      409: { description: "The account is closed" },
    },
  },
  async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const account = await c.var.deps.db.tx((tx) => new AccountService(tx).update(tx, actorOf(c), id, body));
    return c.json(account, 200);
  },
);
