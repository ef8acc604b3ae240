import { z } from "@hono/zod-openapi";
import { actorOf, recordAudit } from "../../audit/audit-log.ts";
import { defineRoute } from "../../http/define-route.ts";
import { ADMINS, ROLES } from "../../http/roles.ts";
import { ApiKeySchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "post",
    path: "/v1/api-keys",
    tags: ["administration"],
    summary: "Create an API key; the key is in this response only",
    roles: ADMINS,
    request: {
      body: {
        content: {
          "application/json": {
            schema: z.object({
              name: z.string().trim().min(1).max(100).openapi({ example: "night shift console" }),
              role: z.enum(ROLES),
            }),
          },
        },
      },
    },
    responses: {
      201: {
        description: "Created; store `key` now, it is never shown again",
        content: { "application/json": { schema: ApiKeySchema.extend({ key: z.string() }) } },
      },
    },
  },
  async (c) => {
    const body = c.req.valid("json");
    const { db, apiKeys } = c.var.deps;
    const actor = actorOf(c);
    const created = await db.tx(async (tx) => {
      const made = await apiKeys.create({ name: body.name, role: body.role, createdBy: actor.keyId }, tx);
      await recordAudit(tx, actor, { action: "api_key.create", entity: "api_key", entityId: made.record.id, after: made.record });
      return made;
    });
    return c.json({ ...created.record, key: created.key }, 201);
  },
);
