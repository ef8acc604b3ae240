import { AccountService } from "../../accounts/accounts.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_READERS } from "../../http/roles.ts";
import { IdParams } from "../../http/schemas.ts";
import { AccountSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/accounts/{id}",
    tags: ["accounts"],
    summary: "One account with its balance",
    roles: CUSTOMER_READERS,
    request: { params: IdParams },
    responses: { 200: { description: "The account", content: { "application/json": { schema: AccountSchema } } } },
  },
  async (c) => c.json(await new AccountService(c.var.deps.db).get(c.req.valid("param").id), 200),
);
