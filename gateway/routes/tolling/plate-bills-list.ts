import { z } from "@hono/zod-openapi";
import { BILL_STATUSES, PlateBillService } from "../../../core/settlement/plate-bills.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_READERS } from "../../http/roles.ts";
import { Cursor, cursorId, Limit, page, PlateBillSchema } from "./schemas.ts";

export const PlateQuery = z
  .string()
  .trim()
  .transform((s) => s.toUpperCase().replace(/\s+/g, ""))
  .pipe(z.string().regex(/^[A-Z0-9]{1,4}-?[A-Z0-9]{1,4}$/, "must look like ABC-1234"))
  .openapi({ example: "ABC-1234" });

export default defineRoute(
  {
    method: "get",
    path: "/v1/plate-bills",
    tags: ["plate billing"],
    summary: "List plate bills by plate and status, newest first",
    roles: CUSTOMER_READERS,
    request: { query: z.object({ plate: PlateQuery.optional(), status: z.enum(BILL_STATUSES).optional(), limit: Limit, cursor: Cursor }) },
    responses: { 200: { description: "A page of bills", content: { "application/json": { schema: page(PlateBillSchema) } } } },
  },
  async (c) => {
    const q = c.req.valid("query");
    return c.json(await new PlateBillService(c.var.deps.db).list({ ...q, before: cursorId(q.cursor) }), 200);
  },
);
