import { z } from "@hono/zod-openapi";
import { AuditQuery } from "../../audit/audit-query.ts";
import { defineRoute } from "../../http/define-route.ts";
import { AUDIT_READERS } from "../../http/roles.ts";
import { Cursor, decodeIdCursor, idPage, Limit, page, Timestamp } from "../../http/schemas.ts";

const AuditRecordSchema = z
  .object({
    id: z.number().int(),
    at: z.string(),
    actorKeyId: z.number().int().nullable(),
    actor: z.string(),
    action: z.string(),
    entity: z.string(),
    entityId: z.string().nullable(),
    before: z.unknown(),
    after: z.unknown(),
    requestId: z.string().nullable(),
  })
  .openapi("AuditRecord");

const Token = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . - only");

export default defineRoute(
  {
    method: "get",
    path: "/v1/audit-log",
    tags: ["administration"],
    summary: "The audit trail: who changed what, when, before and after; newest first",
    roles: AUDIT_READERS,
    request: {
      query: z.object({
        entity: Token.optional().openapi({ example: "account" }),
        entityId: z.string().trim().min(1).max(100).optional(),
        action: Token.optional().openapi({ example: "account.top_up" }),
        actorKeyId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
        from: Timestamp.optional(),
        to: Timestamp.optional(),
        limit: Limit,
        cursor: Cursor,
      }),
    },
    responses: { 200: { description: "A page of audit records", content: { "application/json": { schema: page(AuditRecordSchema) } } } },
  },
  async (c) => {
    const q = c.req.valid("query");
    const items = await new AuditQuery(c.var.deps.db).list({
      entity: q.entity,
      entityId: q.entityId,
      action: q.action,
      actorKeyId: q.actorKeyId,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      beforeId: decodeIdCursor(q.cursor),
      limit: q.limit,
    });
    return c.json(idPage(items, q.limit), 200);
  },
);
