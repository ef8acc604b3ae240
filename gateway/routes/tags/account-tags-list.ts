import { z } from "@hono/zod-openapi";
import { AccountService } from "../../accounts/accounts.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_READERS } from "../../http/roles.ts";
import { IdParams } from "../../http/schemas.ts";
import { TagService } from "../../tags/tags.ts";
import { TagSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/accounts/{id}/tags",
    tags: ["tags"],
    summary: "An account's tags (several for a fleet)",
    roles: CUSTOMER_READERS,
    request: { params: IdParams },
    responses: { 200: { description: "Tags", content: { "application/json": { schema: z.object({ items: z.array(TagSchema) }) } } } },
  },
  async (c) => {
    const { id } = c.req.valid("param");
    const { db } = c.var.deps;
    await new AccountService(db).get(id);
    return c.json({ items: await new TagService(db).ofAccount(id) }, 200);
  },
);
