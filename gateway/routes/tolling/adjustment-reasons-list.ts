import { z } from "@hono/zod-openapi";
import { AdjustmentService } from "../../../core/settlement/adjustments.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_READERS } from "../../http/roles.ts";

export const ReasonSchema = z.object({ code: z.string(), description: z.string() }).openapi("AdjustmentReason");

export default defineRoute(
  {
    method: "get",
    path: "/v1/adjustment-reasons",
    tags: ["adjustments"],
    summary: "Reason codes for adjustments and disputes",
    roles: CUSTOMER_READERS,
    responses: { 200: { description: "Reason codes", content: { "application/json": { schema: z.object({ items: z.array(ReasonSchema) }) } } } },
  },
  async (c) => c.json({ items: await new AdjustmentService(c.var.deps.db).reasons() }, 200),
);
