import { z } from "@hono/zod-openapi";
import { AccountService } from "../../accounts/accounts.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_READERS } from "../../http/roles.ts";
import { IdParams } from "../../http/schemas.ts";
import { VehicleSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/accounts/{id}/vehicles",
    tags: ["accounts"],
    summary: "An account's vehicles",
    roles: CUSTOMER_READERS,
    request: { params: IdParams },
    responses: { 200: { description: "Vehicles", content: { "application/json": { schema: z.object({ items: z.array(VehicleSchema) }) } } } },
  },
  async (c) => c.json({ items: await new AccountService(c.var.deps.db).vehicles(c.req.valid("param").id) }, 200),
);
