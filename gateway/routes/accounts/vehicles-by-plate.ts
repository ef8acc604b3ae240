import { z } from "@hono/zod-openapi";
import { AccountService } from "../../accounts/accounts.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_READERS } from "../../http/roles.ts";
import { Plate } from "../../http/schemas.ts";
import { VehicleSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/vehicles/{plate}",
    tags: ["accounts"],
    summary: "Find a registered vehicle by plate",
    roles: CUSTOMER_READERS,
    request: { params: z.object({ plate: Plate.openapi({ param: { name: "plate", in: "path" } }) }) },
    responses: { 200: { description: "The vehicle", content: { "application/json": { schema: VehicleSchema } } } },
  },
  async (c) => c.json(await new AccountService(c.var.deps.db).vehicleByPlate(c.req.valid("param").plate), 200),
);
