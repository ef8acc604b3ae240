import { z } from "@hono/zod-openapi";
import { actorOf } from "../../audit/audit-log.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_WRITERS } from "../../http/roles.ts";
import { TagService } from "../../tags/tags.ts";
import { TagParams, TagSchema, TagStatus } from "./schemas.ts";

export default defineRoute(
  {
    method: "post",
    path: "/v1/tags/{id}/status",
    tags: ["tags"],
    summary: "Change a tag's status (active, low_balance, blocked, lost, stolen)",
    description: "Each change gets a new status-list version. lost and stolen are final. Setting the current status again changes nothing.",
    roles: CUSTOMER_WRITERS,
    request: {
      params: TagParams,
      body: { content: { "application/json": { schema: z.object({ status: TagStatus, reason: z.string().trim().max(500).nullable().optional() }) } } },
    },
    responses: {
      200: { description: "The tag after the change", content: { "application/json": { schema: z.object({ tag: TagSchema, changed: z.boolean() }) } } },
    },
  },
  async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const r = await c.var.deps.db.tx((tx) => new TagService(tx).changeStatus(tx, actorOf(c), id, body.status, body.reason ?? null));
    return c.json(r, 200);
  },
);
