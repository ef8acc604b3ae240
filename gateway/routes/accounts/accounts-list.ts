import { z } from "@hono/zod-openapi";
import { AccountService } from "../../accounts/accounts.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_READERS } from "../../http/roles.ts";
import { Cursor, decodeIdCursor, idPage, Limit, page } from "../../http/schemas.ts";
import { AccountSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/accounts",
    tags: ["accounts"],
    summary: "List accounts by status, kind or name/e-mail, oldest first",
    roles: CUSTOMER_READERS,
    request: {
      query: z.object({
        status: z.enum(["active", "low_balance", "suspended", "closed"]).optional(),
        kind: z.enum(["personal", "fleet"]).optional(),
        q: z.string().trim().min(1).max(100).optional(),
        limit: Limit,
        cursor: Cursor,
      }),
    },
    responses: { 200: { description: "A page of accounts", content: { "application/json": { schema: page(AccountSchema) } } } },
  },
  async (c) => {
    const { cursor, ...f } = c.req.valid("query");
    const items = await new AccountService(c.var.deps.db).list({ ...f, afterId: decodeIdCursor(cursor) });
    return c.json(idPage(items, f.limit), 200);
  },
);
