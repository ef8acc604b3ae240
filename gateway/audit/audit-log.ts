import type { Context } from "hono";
import type { Queryable } from "../../core/db/database.ts";
import type { AppEnv } from "../http/types.ts";

/**
 * The audit trail: every write records who (key id and name), what (action, entity), when, the
 * state before and after, and the request id. Record it in the SAME transaction as the write, so a
 * change and its audit row commit or roll back together.
 */
export interface Actor {
  keyId: number | null;
  name: string;
  requestId: string | null;
}

export interface AuditEntry {
  /** Dotted verb, e.g. `account.create`, `tag.status`. */
  action: string;
  entity: string;
  entityId: string | number | null;
  before?: unknown;
  after?: unknown;
}

export const systemActor = (name = "system"): Actor => ({ keyId: null, name, requestId: null });

/** The actor of an authenticated request. */
export function actorOf(c: Context<AppEnv>): Actor {
  const auth = c.get("auth");
  return { keyId: auth?.keyId ?? null, name: auth?.name ?? "anonymous", requestId: c.get("requestId") ?? null };
}

export async function recordAudit(q: Queryable, actor: Actor, entry: AuditEntry): Promise<number> {
  const row = await q.one<{ id: number }>(
    `insert into audit_log (actor_key_id, actor, action, entity, entity_id, before, after, request_id)
     values ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8) returning id`,
    [
      actor.keyId,
      actor.name,
      entry.action,
      entry.entity,
      entry.entityId === null ? null : String(entry.entityId),
      entry.before === undefined ? null : JSON.stringify(entry.before),
      entry.after === undefined ? null : JSON.stringify(entry.after),
      actor.requestId,
    ],
  );
  return row.id;
}
