import type { Queryable } from "../../core/db/database.ts";

/** Reading the audit trail (auditors, admins): newest first, keyset-paged on id. */
export interface AuditRecord {
  id: number;
  at: string;
  actorKeyId: number | null;
  actor: string;
  action: string;
  entity: string;
  entityId: string | null;
  before: unknown;
  after: unknown;
  requestId: string | null;
}

export class AuditQuery {
  constructor(private readonly db: Queryable) {}

  async list(f: { entity?: string; entityId?: string; action?: string; actorKeyId?: number; from?: Date; to?: Date; beforeId?: number; limit: number }): Promise<AuditRecord[]> {
    const rows = await this.db.query(
      `select * from audit_log
       where ($1::text is null or entity = $1) and ($2::text is null or entity_id = $2) and ($3::text is null or action = $3)
         and ($4::bigint is null or actor_key_id = $4) and ($5::timestamptz is null or at >= $5) and ($6::timestamptz is null or at < $6)
         and id < $7
       order by id desc limit $8`,
      [f.entity ?? null, f.entityId ?? null, f.action ?? null, f.actorKeyId ?? null, f.from ?? null, f.to ?? null, f.beforeId ?? Number.MAX_SAFE_INTEGER, f.limit],
    );
    return rows.map((r) => ({
      id: r.id as number,
      at: (r.at as Date).toISOString(),
      actorKeyId: (r.actor_key_id as number | null) ?? null,
      actor: r.actor as string,
      action: r.action as string,
      entity: r.entity as string,
      entityId: (r.entity_id as string | null) ?? null,
      before: r.before ?? null,
      after: r.after ?? null,
      requestId: (r.request_id as string | null) ?? null,
    }));
  }
}
