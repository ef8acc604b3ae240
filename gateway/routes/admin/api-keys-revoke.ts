import { TollwayError } from "../../../core/errors/tollway-error.ts";
import { actorOf, recordAudit } from "../../audit/audit-log.ts";
import { defineRoute } from "../../http/define-route.ts";
import { ADMINS } from "../../http/roles.ts";
import { ApiKeySchema, IdParam } from "./schemas.ts";

export default defineRoute(
  {
    method: "post",
    path: "/v1/api-keys/{id}/revoke",
    tags: ["administration"],
    summary: "Revoke an API key (takes effect immediately on this gateway)",
    roles: ADMINS,
    request: { params: IdParam },
    responses: {
      200: { description: "Revoked (revoking twice is harmless)", content: { "application/json": { schema: ApiKeySchema } } },
      404: { description: "No such key" },
    },
  },
  async (c) => {
    const { id } = c.req.valid("param");
    const { db, apiKeys } = c.var.deps;
    const actor = actorOf(c);
    if (actor.keyId === id) throw new TollwayError("conflict", "A key cannot revoke itself; use another admin key");
    const after = await db.tx(async (tx) => {
      const r = await apiKeys.revoke(id, tx);
      if (!r.before.revokedAt) await recordAudit(tx, actor, { action: "api_key.revoke", entity: "api_key", entityId: id, before: r.before, after: r.after });
      return r.after;
    });
    return c.json(after, 200);
  },
);
