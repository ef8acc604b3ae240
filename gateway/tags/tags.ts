import type { Queryable } from "../../core/db/database.ts";
import { TollwayError } from "../../core/errors/tollway-error.ts";
import { recordAudit, type Actor } from "../audit/audit-log.ts";

/**
 * Tags and their lifecycle. Every status change (issue included) appends to tag_status_changes,
 * whose list_version (given in commit order, sql/660) is what roadside and partner systems sync on
 * ("changes since version N"): a snapshot that sees version N sees every version below it.
 * lost and stolen are final: such a tag is replaced by a new one, never re-activated.
 */
export const TAG_STATUSES = ["active", "low_balance", "blocked", "lost", "stolen"] as const;
export type TagStatus = (typeof TAG_STATUSES)[number];
const FINAL: readonly TagStatus[] = ["lost", "stolen"];

export interface Tag {
  id: string;
  accountId: number;
  vehicleId: number | null;
  vehicleClass: number;
  status: TagStatus;
  statusChangedAt: string;
  statusVersion: number;
  createdAt: string;
}

interface TagRow extends Record<string, unknown> {
  id: string;
  account_id: number;
  vehicle_id: number | null;
  vehicle_class: number;
  status: TagStatus;
  status_changed_at: Date;
  status_version: number;
  created_at: Date;
}

export const toTag = (r: TagRow): Tag => ({
  id: r.id,
  accountId: r.account_id,
  vehicleId: r.vehicle_id ?? null,
  vehicleClass: r.vehicle_class,
  status: r.status,
  statusChangedAt: r.status_changed_at.toISOString(),
  statusVersion: r.status_version,
  createdAt: r.created_at.toISOString(),
});

export interface StatusListEntry {
  tagId: string;
  status: TagStatus;
  version: number;
  changedAt: string;
}

export class TagService {
  constructor(private readonly db: Queryable) {}

  async get(id: string, q: Queryable = this.db, lock = false): Promise<Tag> {
    const r = await q.maybeOne<TagRow>(`select * from tags where id = $1${lock ? " for update" : ""}`, [id]);
    if (!r) throw new TollwayError("not_found", `Tag ${id} does not exist`);
    return toTag(r);
  }

  async ofAccount(accountId: number): Promise<Tag[]> {
    return (await this.db.query<TagRow>(`select * from tags where account_id = $1 order by created_at, id`, [accountId])).map(toTag);
  }

  async idsOf(accountId: number, status: TagStatus): Promise<string[]> {
    return (await this.db.query<{ id: string }>(`select id from tags where account_id = $1 and status = $2 order by id`, [accountId, status])).map((r) => r.id);
  }

  /** Issues a tag to an account (and optionally one of its vehicles, whose class it then carries). */
  async issue(tx: Queryable, actor: Actor, input: { id: string; accountId: number; vehicleId?: number | null; vehicleClass?: number }): Promise<Tag> {
    const account = await tx.maybeOne<{ status: string; balance_tenths: number; low_balance_threshold_tenths: number }>(
      `select status, balance_tenths, low_balance_threshold_tenths from accounts where id = $1 for update`,
      [input.accountId],
    );
    if (!account)
      throw new TollwayError("unprocessable", `Account ${input.accountId} does not exist`, {
        fields: [{ field: "body.accountId", message: "no such account" }],
      });
    if (account.status === "closed" || account.status === "suspended") throw new TollwayError("conflict", `Account ${input.accountId} is ${account.status}`);
    let vehicleClass = input.vehicleClass;
    if (input.vehicleId != null) {
      const v = await tx.maybeOne<{ account_id: number; vehicle_class: number }>(`select account_id, vehicle_class from vehicles where id = $1`, [
        input.vehicleId,
      ]);
      if (!v || v.account_id !== input.accountId) {
        throw new TollwayError("unprocessable", `Vehicle ${input.vehicleId} does not belong to account ${input.accountId}`, {
          fields: [{ field: "body.vehicleId", message: "not a vehicle of this account" }],
        });
      }
      if (vehicleClass !== undefined && vehicleClass !== v.vehicle_class) {
        throw new TollwayError("unprocessable", `The vehicle is registered as class ${v.vehicle_class}`, {
          fields: [{ field: "body.vehicleClass", message: `must match the vehicle's class ${v.vehicle_class}` }],
        });
      }
      vehicleClass = v.vehicle_class;
    }
    if (vehicleClass === undefined)
      throw new TollwayError("bad_request", "vehicleClass is required without a vehicle", {
        fields: [{ field: "body.vehicleClass", message: "required when vehicleId is not given" }],
      });
    if (await tx.maybeOne(`select 1 as x from tags where id = $1`, [input.id])) {
      throw new TollwayError("conflict", `Tag ${input.id} already exists`, { fields: [{ field: "body.id", message: "already issued" }] });
    }
    const status: TagStatus = account.status === "low_balance" ? "low_balance" : "active";
    await tx.query(`insert into tags (id, account_id, vehicle_id, vehicle_class, status) values ($1, $2, $3, $4, $5)`, [
      input.id,
      input.accountId,
      input.vehicleId ?? null,
      vehicleClass,
      status,
    ]);
    const tag = await this.recordChange(tx, input.id, status);
    await recordAudit(tx, actor, { action: "tag.issue", entity: "tag", entityId: tag.id, after: tag });
    return tag;
  }

  /** Changes a tag's status; the same status again is a no-op (no new version). */
  async changeStatus(tx: Queryable, actor: Actor, id: string, status: TagStatus, reason: string | null): Promise<{ tag: Tag; changed: boolean }> {
    // The account first, then the tag: the order settlement and top-ups lock them in (the tag's
    // updates re-check its account key, which would otherwise wait on them while holding the tag).
    await tx.query(`select a.id from accounts a join tags t on t.account_id = a.id where t.id = $1 for key share of a`, [id]);
    const before = await this.get(id, tx, true);
    if (before.status === status) return { tag: before, changed: false };
    if (FINAL.includes(before.status) && !FINAL.includes(status)) {
      throw new TollwayError("conflict", `Tag ${id} is ${before.status}; a ${before.status} tag is never re-activated, issue a new one`);
    }
    await tx.query(`update tags set status = $2 where id = $1`, [id, status]);
    const tag = await this.recordChange(tx, id, status);
    await recordAudit(tx, actor, { action: "tag.status", entity: "tag", entityId: id, before, after: { ...tag, reason } });
    return { tag, changed: true };
  }

  /**
   * Records a change. Its list version is given at commit (sql/660); here the trigger fires at once,
   * so the route can answer with the version: the counter stays locked for the few statements left
   * before commit. The counter is taken last, once every lock the rest needs is held (a second
   * update of the tag row re-checks its account key, KEY SHARE, which waits while a top-up holds
   * the account): a holder of the counter that waited could deadlock with a top-up at its commit.
   */
  private async recordChange(tx: Queryable, id: string, status: TagStatus): Promise<Tag> {
    await tx.query(`update tags set status_changed_at = now() where id = $1`, [id]);
    await tx.query("set constraints tag_status_changes_list_version immediate");
    await tx.query(`insert into tag_status_changes (tag_id, status, changed_at) values ($1, $2, now())`, [id, status]);
    return toTag(await tx.one<TagRow>(`select * from tags where id = $1`, [id]));
  }

  /**
   * The status list for roadside and partner systems, as one consistent snapshot:
   * without `since`, every tag with its current status; with `since`, only tags whose status
   * changed after that version (their current status). `version` is the version to ask from next.
   */
  async statusList(
    db: { tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> },
    since?: number,
  ): Promise<{ version: number; full: boolean; items: StatusListEntry[] }> {
    return db.tx(async (q) => {
      await q.query("set transaction isolation level repeatable read");
      const { version } = await q.one<{ version: number }>(`select version from tag_status_list_counter`);
      const rows = await q.query<{ id: string; status: TagStatus; status_version: number; status_changed_at: Date }>(
        since === undefined
          ? `select id, status, status_version, status_changed_at from tags order by id`
          : `select id, status, status_version, status_changed_at from tags where status_version > $1 order by status_version`,
        since === undefined ? [] : [since],
      );
      return {
        version,
        full: since === undefined,
        items: rows.map((r) => ({ tagId: r.id, status: r.status, version: r.status_version, changedAt: r.status_changed_at.toISOString() })),
      };
    });
  }
}
