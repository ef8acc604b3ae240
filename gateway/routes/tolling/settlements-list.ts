import { z } from "@hono/zod-openapi";
import { SettlementQueries } from "../../../core/settlement/settlement-queries.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_READERS } from "../../http/roles.ts";
import { Cursor, cursorId, Limit, LocalDay, page, SettlementSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/settlements",
    tags: ["settlement"],
    summary: "List settlements by day, account or vehicle, newest first",
    roles: CUSTOMER_READERS,
    request: {
      query: z.object({
        day: LocalDay.optional(),
        accountId: z.coerce.number().int().positive().optional(),
        vehicleKey: z.string().trim().min(1).max(80).optional().openapi({ example: "plate:ABC-1234" }),
        limit: Limit,
        cursor: Cursor,
      }),
    },
    responses: { 200: { description: "A page of settlements", content: { "application/json": { schema: page(SettlementSchema) } } } },
  },
  async (c) => {
    const q = c.req.valid("query");
    return c.json(await new SettlementQueries(c.var.deps.db).list({ ...q, before: cursorId(q.cursor) }), 200);
  },
);
