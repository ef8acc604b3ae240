import { z } from "@hono/zod-openapi";
import { PlateBillService } from "../../../core/settlement/plate-bills.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_READERS } from "../../http/roles.ts";
import { PlateBillingPolicySchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/plate-billing-policy",
    tags: ["plate billing"],
    summary: "Due days and escalation amounts for plate bills",
    roles: CUSTOMER_READERS,
    responses: { 200: { description: "The policy", content: { "application/json": { schema: PlateBillingPolicySchema.extend({ updatedAt: z.string() }) } } } },
  },
  async (c) => c.json(await new PlateBillService(c.var.deps.db).policy(), 200),
);
