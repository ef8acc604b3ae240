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

interface AuditRow extends Record<string, unknown> {
  id: number;
  at: Date;
  actor_key_id: number | null;
  actor: string;
  action: string;
  entity: string;
  entity_id: string | null;
  before: unknown;
  after: unknown;
  request_id: string | null;
}

const toRecord = (r: AuditRow): AuditRecord => ({
  id: r.id,
  at: r.at.toISOString(),
  actorKeyId: r.actor_key_id ?? null,
  actor: r.actor,
  action: r.action,
  entity: r.entity,
  entityId: r.entity_id ?? null,
  before: r.before ?? null,
  after: r.after ?? null,
  requestId: r.request_id ?? null,
});

export class AuditQuery {
  constructor(private readonly db: Queryable) {}

  async list(f: {
    entity?: string;
    entityId?: string;
    action?: string;
    actorKeyId?: number;
    from?: Date;
    to?: Date;
    beforeId?: number;
    limit: number;
  }): Promise<AuditRecord[]> {
    const rows = await this.db.query<AuditRow>(
      `select * from audit_log
       where ($1::text is null or entity = $1) and ($2::text is null or entity_id = $2) and ($3::text is null or action = $3)
         and ($4::bigint is null or actor_key_id = $4) and ($5::timestamptz is null or at >= $5) and ($6::timestamptz is null or at < $6)
         and id < $7
       order by id desc limit $8`,
      [
        f.entity ?? null,
        f.entityId ?? null,
        f.action ?? null,
        f.actorKeyId ?? null,
        f.from ?? null,
        f.to ?? null,
        f.beforeId ?? Number.MAX_SAFE_INTEGER,
        f.limit,
      ],
    );
    return rows.map(toRecord);
  }
}
