import { z } from "@hono/zod-openapi";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_READERS } from "../../http/roles.ts";
import { TagService } from "../../tags/tags.ts";
import { TagStatus } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/tag-status-list",
    tags: ["tags"],
    summary: "Tag status list for roadside and partner agencies: full, or changes since a version",
    description:
      "Without `since`: every tag with its current status and the list version. With `since=N`: the tags whose status changed after version N (with their current status). Ask next time with `since=<version>`.",
    roles: CUSTOMER_READERS,
    request: { query: z.object({ since: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional() }) },
    responses: {
      200: {
        description: "The list",
        content: {
          "application/json": {
            schema: z
              .object({
                version: z.number().int(),
                full: z.boolean(),
                items: z.array(z.object({ tagId: z.string(), status: TagStatus, version: z.number().int(), changedAt: z.string() })),
              })
              .openapi("TagStatusList"),
          },
        },
      },
    },
  },
  async (c) => {
    const { db } = c.var.deps;
    return c.json(await new TagService(db).statusList(db, c.req.valid("query").since), 200);
  },
);
