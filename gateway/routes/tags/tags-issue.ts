import { z } from "@hono/zod-openapi";
import { actorOf } from "../../audit/audit-log.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_WRITERS } from "../../http/roles.ts";
import { TagId, VehicleClass } from "../../http/schemas.ts";
import { TagService } from "../../tags/tags.ts";
import { TagSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "post",
    path: "/v1/tags",
    tags: ["tags"],
    summary: "Issue a tag to an account (a fleet account holds several)",
    description:
      "With vehicleId the tag carries that vehicle's class; without, vehicleClass is required (400). " +
      "Rules across fields: the vehicle must belong to the account and, when both are given, vehicleClass must be the vehicle's class (422). " +
      "A closed or suspended account, or a tag id already issued, is a 409.",
    roles: CUSTOMER_WRITERS,
    request: {
      body: {
        content: {
          "application/json": {
            schema: z.object({
              id: TagId,
              accountId: z.number().int().positive(),
              vehicleId: z.number().int().positive().nullable().optional(),
              vehicleClass: VehicleClass.optional(),
            }),
          },
        },
      },
    },
    responses: {
      201: { description: "Issued", content: { "application/json": { schema: TagSchema } } },
      409: { description: "The account is closed or suspended, or the tag id is already issued (or Idempotency-Key reuse)" },
      422: { description: "The account does not exist, the vehicle is not one of its vehicles, or vehicleClass is not the vehicle's class" },
    },
  },
  async (c) => {
    const body = c.req.valid("json");
    const tag = await c.var.deps.db.tx((tx) => new TagService(tx).issue(tx, actorOf(c), body));
    return c.json(tag, 201);
  },
);
