import { z } from "@hono/zod-openapi";
import { defineRoute } from "../../http/define-route.ts";
import { ADMINS } from "../../http/roles.ts";
import { ApiKeySchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/api-keys",
    tags: ["administration"],
    summary: "List API keys (never the keys themselves)",
    roles: ADMINS,
    request: {
      query: z.object({
        includeRevoked: z
          .stringbool()
          .default(true)
          .openapi({ type: "string", enum: ["true", "false"], example: "false" }),
      }),
    },
    responses: {
      200: { description: "Keys", content: { "application/json": { schema: z.object({ items: z.array(ApiKeySchema) }) } } },
    },
  },
  async (c) => {
    const { includeRevoked } = c.req.valid("query");
    return c.json({ items: await c.var.deps.apiKeys.list(undefined, { includeRevoked }) }, 200);
  },
);
