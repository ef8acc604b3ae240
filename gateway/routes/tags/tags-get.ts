import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_READERS } from "../../http/roles.ts";
import { TagService } from "../../tags/tags.ts";
import { TagParams, TagSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/tags/{id}",
    tags: ["tags"],
    summary: "One tag with its status",
    roles: CUSTOMER_READERS,
    request: { params: TagParams },
    responses: { 200: { description: "The tag", content: { "application/json": { schema: TagSchema } } } },
  },
  async (c) => c.json(await new TagService(c.var.deps.db).get(c.req.valid("param").id), 200),
);
