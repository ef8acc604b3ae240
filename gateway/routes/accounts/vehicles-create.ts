import { z } from "@hono/zod-openapi";
import { AccountService } from "../../accounts/accounts.ts";
import { actorOf } from "../../audit/audit-log.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_WRITERS } from "../../http/roles.ts";
import { IdParams, Plate, VehicleClass } from "../../http/schemas.ts";
import { VehicleSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "post",
    path: "/v1/accounts/{id}/vehicles",
    tags: ["accounts"],
    summary: "Register a vehicle (plate and class) on an account",
    roles: CUSTOMER_WRITERS,
    request: {
      params: IdParams,
      body: {
        content: {
          "application/json": {
            schema: z.object({ plate: Plate, vehicleClass: VehicleClass, description: z.string().trim().max(200).nullable().optional() }),
          },
        },
      },
    },
    responses: { 201: { description: "Registered", content: { "application/json": { schema: VehicleSchema } } } },
  },
  async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const v = await c.var.deps.db.tx((tx) => new AccountService(tx).addVehicle(tx, actorOf(c), id, body));
    return c.json(v, 201);
  },
);
