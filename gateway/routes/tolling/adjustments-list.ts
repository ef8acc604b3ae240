import { z } from "@hono/zod-openapi";
import { ADJUSTMENT_STATUSES, AdjustmentService } from "../../../core/settlement/adjustments.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_READERS } from "../../http/roles.ts";
import { AdjustmentSchema, Cursor, cursorId, Limit, page } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/adjustments",
    tags: ["adjustments"],
    summary: "List adjustments by account, plate bill or status, newest first",
    roles: CUSTOMER_READERS,
    request: {
      query: z.object({
        accountId: z.coerce.number().int().positive().optional(),
        plateBillId: z.coerce.number().int().positive().optional(),
        status: z.enum(ADJUSTMENT_STATUSES).optional(),
        limit: Limit,
        cursor: Cursor,
      }),
    },
    responses: { 200: { description: "A page of adjustments", content: { "application/json": { schema: page(AdjustmentSchema) } } } },
  },
  async (c) => {
    const q = c.req.valid("query");
    return c.json(await new AdjustmentService(c.var.deps.db).list({ ...q, before: cursorId(q.cursor) }), 200);
  },
);
