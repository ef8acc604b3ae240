import { z } from "@hono/zod-openapi";
import { AccountService } from "../../accounts/accounts.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_READERS } from "../../http/roles.ts";
import { Cursor, decodeIdCursor, idPage, IdParams, Limit, page, Timestamp } from "../../http/schemas.ts";
import { LedgerEntrySchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/accounts/{id}/ledger",
    tags: ["accounts"],
    summary: "An account's ledger, newest first",
    roles: CUSTOMER_READERS,
    request: {
      params: IdParams,
      query: z.object({
        kind: z.enum(["topup", "toll", "toll_adjustment", "refund", "fee", "correction"]).optional(),
        from: Timestamp.optional(),
        to: Timestamp.optional(),
        limit: Limit,
        cursor: Cursor,
      }),
    },
    responses: { 200: { description: "A page of entries", content: { "application/json": { schema: page(LedgerEntrySchema) } } } },
  },
  async (c) => {
    const { id } = c.req.valid("param");
    const q = c.req.valid("query");
    const items = await new AccountService(c.var.deps.db).ledger(id, {
      kind: q.kind,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      beforeId: decodeIdCursor(q.cursor),
      limit: q.limit,
    });
    return c.json(idPage(items, q.limit), 200);
  },
);
