import { z } from "@hono/zod-openapi";
import { SettlementQueries } from "../../../core/settlement/settlement-queries.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_READERS } from "../../http/roles.ts";
import { Limit, LocalDay, SettlementRunSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/settlement-runs",
    tags: ["settlement"],
    summary: "Settlement runs (scheduled and manual), newest first",
    roles: CUSTOMER_READERS,
    request: { query: z.object({ day: LocalDay.optional(), limit: Limit }) },
    responses: { 200: { description: "Runs", content: { "application/json": { schema: z.object({ items: z.array(SettlementRunSchema) }) } } } },
  },
  async (c) => {
    const q = c.req.valid("query");
    return c.json({ items: await new SettlementQueries(c.var.deps.db).runs(q.day, q.limit) }, 200);
  },
);
