import { z } from "@hono/zod-openapi";
import { defineRoute } from "../../http/define-route.ts";
import { EVERYONE } from "../../http/roles.ts";
import { ReferenceService } from "../../reference/reference.ts";
import { GantryId, GantrySchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/gantries/{id}",
    tags: ["reference"],
    summary: "One gantry",
    roles: EVERYONE,
    request: { params: z.object({ id: GantryId.openapi({ param: { name: "id", in: "path" } }) }) },
    responses: { 200: { description: "The gantry", content: { "application/json": { schema: GantrySchema } } } },
  },
  async (c) => c.json(await new ReferenceService(c.var.deps.db).gantry(c.req.valid("param").id), 200),
);
