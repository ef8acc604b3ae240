import { z } from "@hono/zod-openapi";
import { Reconciliation, RECONCILIATION_BUCKETS } from "../../../core/settlement/reconciliation.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_READERS } from "../../http/roles.ts";
import { Cursor, cursorId, GantryId, Limit, LocalDay, Tenths } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/reconciliation/passages",
    tags: ["settlement"],
    summary: "The passages of one reconciliation bucket of a local day, for review",
    roles: CUSTOMER_READERS,
    request: { query: z.object({ day: LocalDay, bucket: z.enum(RECONCILIATION_BUCKETS), gantryId: GantryId.optional(), limit: Limit, cursor: Cursor }) },
    responses: {
      200: {
        description: "A page of passages",
        content: {
          "application/json": {
            schema: z.object({
              items: z.array(
                z.object({
                  id: z.number().int(),
                  ts: z.string(),
                  gantryId: z.string(),
                  tagId: z.string().nullable(),
                  plate: z.string().nullable(),
                  vehicleKey: z.string(),
                  postedPriceTenths: Tenths.nullable(),
                  settlementId: z.number().int().nullable(),
                  bucket: z.enum(RECONCILIATION_BUCKETS),
                }),
              ),
              nextCursor: z.string().nullable(),
            }),
          },
        },
      },
    },
  },
  async (c) => {
    const q = c.req.valid("query");
    const items = await new Reconciliation(c.var.deps.db).passages({
      day: q.day,
      bucket: q.bucket,
      gantryId: q.gantryId,
      afterId: cursorId(q.cursor),
      limit: q.limit,
    });
    return c.json({ items, nextCursor: items.length === q.limit ? String(items.at(-1)!.id) : null }, 200);
  },
);
