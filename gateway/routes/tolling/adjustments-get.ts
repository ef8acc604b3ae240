import { AdjustmentService } from "../../../core/settlement/adjustments.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_READERS } from "../../http/roles.ts";
import { AdjustmentSchema, IdParams } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/adjustments/{id}",
    tags: ["adjustments"],
    summary: "One adjustment",
    roles: CUSTOMER_READERS,
    request: { params: IdParams },
    responses: {
      200: { description: "The adjustment", content: { "application/json": { schema: AdjustmentSchema } } },
      404: { description: "No such adjustment" },
    },
  },
  async (c) => c.json(await new AdjustmentService(c.var.deps.db).get(c.req.valid("param").id), 200),
);
