import type { Queryable } from "../db/database.ts";
import { TollwayError } from "../errors/tollway-error.ts";
import { postToAccount } from "./ledger.ts";

/**
 * Adjustments and disputes: an operator opens one with a reason code (adjustment_reasons) against an
 * account, a settlement or a plate bill; another key approves it (four eyes) or rejects it.
 * Approval applies it at once (status 'applied'):
 * - account: a credit is posted to the ledger as 'refund', a debit as 'correction';
 * - plate bill: the toll is reduced by the credit (never below 0; a bill reduced to 0 is cancelled).
 * The routes record every step in the audit log, in the same transaction.
 */
export const ADJUSTMENT_KINDS = ["dispute", "rerate", "goodwill", "correction"] as const;
export const ADJUSTMENT_STATUSES = ["open", "approved", "rejected", "applied"] as const;
export type AdjustmentKind = (typeof ADJUSTMENT_KINDS)[number];
export type AdjustmentStatus = (typeof ADJUSTMENT_STATUSES)[number];

export interface Adjustment {
  id: number;
  accountId: number | null;
  plateBillId: number | null;
  settlementId: number | null;
  reasonCode: string;
  kind: AdjustmentKind;
  amountTenths: number;
  status: AdjustmentStatus;
  note: string | null;
  createdBy: number | null;
  createdAt: string;
  resolvedBy: number | null;
  resolvedAt: string | null;
  ledgerEntryId: number | null;
}

export interface NewAdjustment {
  accountId?: number | undefined;
  plateBillId?: number | undefined;
  settlementId?: number | undefined;
  reasonCode: string;
  kind: AdjustmentKind;
  /** Credit to the customer positive. */
  amountTenths: number;
  note?: string | undefined;
}

interface AdjustmentRow extends Record<string, unknown> {
  id: number;
  account_id: number | null;
  plate_bill_id: number | null;
  settlement_id: number | null;
  reason_code: string;
  kind: AdjustmentKind;
  amount_tenths: number;
  status: AdjustmentStatus;
  note: string | null;
  created_by: number | null;
  created_at: Date;
  resolved_by: number | null;
  resolved_at: Date | null;
  ledger_entry_id: number | null;
}

const COLUMNS = `a.id, a.account_id, a.plate_bill_id, a.settlement_id, a.reason_code, a.kind, a.amount_tenths, a.status, a.note, a.created_by,
  a.created_at, a.resolved_by, a.resolved_at, (select min(l.id) from ledger_entries l where l.adjustment_id = a.id) as ledger_entry_id`;

function toAdjustment(r: AdjustmentRow): Adjustment {
  return {
    id: r.id,
    accountId: r.account_id,
    plateBillId: r.plate_bill_id,
    settlementId: r.settlement_id,
    reasonCode: r.reason_code,
    kind: r.kind,
    amountTenths: r.amount_tenths,
    status: r.status,
    note: r.note,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    resolvedBy: r.resolved_by,
    resolvedAt: r.resolved_at?.toISOString() ?? null,
    ledgerEntryId: r.ledger_entry_id,
  };
}

export interface AdjustmentQuery {
  accountId?: number | undefined;
  plateBillId?: number | undefined;
  status?: AdjustmentStatus | undefined;
  limit: number;
  before?: number | undefined;
}

export class AdjustmentService {
  constructor(private readonly db: Queryable) {}

  async reasons(): Promise<{ code: string; description: string }[]> {
    return this.db.query<{ code: string; description: string }>("select code, description from adjustment_reasons order by code");
  }

  async createReason(tx: Queryable, code: string, description: string): Promise<{ code: string; description: string }> {
    const r = await tx.maybeOne<{ code: string; description: string }>(
      "insert into adjustment_reasons (code, description) values ($1, $2) on conflict (code) do nothing returning code, description",
      [code, description],
    );
    if (!r) throw new TollwayError("conflict", `reason code ${code} already exists`, { fields: [{ field: "body.code", message: "already exists" }] });
    return r;
  }

  async get(id: number, q: Queryable = this.db): Promise<Adjustment> {
    const r = await q.maybeOne<AdjustmentRow>(`select ${COLUMNS} from adjustments a where a.id = $1`, [id]);
    if (!r) throw new TollwayError("not_found", `adjustment ${id} does not exist`);
    return toAdjustment(r);
  }

  async list(q: AdjustmentQuery): Promise<{ items: Adjustment[]; nextCursor: string | null }> {
    const rows = await this.db.query<AdjustmentRow>(
      `select ${COLUMNS} from adjustments a
        where ($1::bigint is null or a.account_id = $1) and ($2::bigint is null or a.plate_bill_id = $2)
          and ($3::text is null or a.status = $3) and ($4::bigint is null or a.id < $4)
        order by a.id desc limit $5`,
      [q.accountId ?? null, q.plateBillId ?? null, q.status ?? null, q.before ?? null, q.limit + 1],
    );
    const items = rows.slice(0, q.limit).map(toAdjustment);
    return { items, nextCursor: rows.length > q.limit ? String(items[items.length - 1]!.id) : null };
  }

  async create(tx: Queryable, input: NewAdjustment, createdBy: number | null): Promise<Adjustment> {
    let accountId = input.accountId ?? null;
    let plateBillId = input.plateBillId ?? null;
    if (input.settlementId !== undefined) {
      const s = await tx.maybeOne<{ account_id: number | null; bill_id: number | null }>(
        "select s.account_id, (select b.id from plate_bills b where b.settlement_id = s.id) as bill_id from settlements s where s.id = $1",
        [input.settlementId],
      );
      if (!s)
        throw new TollwayError("unprocessable", `settlement ${input.settlementId} does not exist`, {
          fields: [{ field: "body.settlementId", message: "no such settlement" }],
        });
      if (accountId !== null && s.account_id !== accountId) {
        throw new TollwayError("unprocessable", "the settlement belongs to another account", {
          fields: [{ field: "body.accountId", message: "does not match the settlement" }],
        });
      }
      accountId ??= s.account_id;
      if (accountId === null) plateBillId ??= s.bill_id;
    }
    if ((accountId === null) === (plateBillId === null)) {
      throw new TollwayError("unprocessable", "an adjustment applies to exactly one account or one plate bill", {
        fields: [{ field: "body.accountId", message: "give accountId, plateBillId, or a settlementId that has one" }],
      });
    }
    if (accountId !== null && !(await tx.maybeOne("select 1 from accounts where id = $1", [accountId]))) {
      throw new TollwayError("unprocessable", `account ${accountId} does not exist`, { fields: [{ field: "body.accountId", message: "no such account" }] });
    }
    if (plateBillId !== null && !(await tx.maybeOne("select 1 from plate_bills where id = $1", [plateBillId]))) {
      throw new TollwayError("unprocessable", `plate bill ${plateBillId} does not exist`, {
        fields: [{ field: "body.plateBillId", message: "no such plate bill" }],
      });
    }
    if (!(await tx.maybeOne("select 1 from adjustment_reasons where code = $1", [input.reasonCode]))) {
      throw new TollwayError("unprocessable", `unknown reason code ${input.reasonCode}`, {
        fields: [{ field: "body.reasonCode", message: "not a known reason code" }],
      });
    }
    const r = await tx.one<{ id: number }>(
      `insert into adjustments (account_id, plate_bill_id, settlement_id, reason_code, kind, amount_tenths, note, created_by)
       values ($1, $2, $3, $4, $5, $6, $7, $8) returning id`,
      [accountId, plateBillId, input.settlementId ?? null, input.reasonCode, input.kind, input.amountTenths, input.note ?? null, createdBy],
    );
    return this.get(r.id, tx);
  }

  private async openForResolution(tx: Queryable, id: number, resolvedBy: number | null): Promise<Adjustment> {
    const r = await tx.maybeOne<AdjustmentRow>(`select ${COLUMNS} from adjustments a where a.id = $1 for update of a`, [id]);
    if (!r) throw new TollwayError("not_found", `adjustment ${id} does not exist`);
    if (r.status !== "open") throw new TollwayError("conflict", `adjustment ${id} is already ${r.status}`);
    if (resolvedBy !== null && r.created_by === resolvedBy) {
      throw new TollwayError("forbidden", "four eyes: the key that opened an adjustment cannot resolve it");
    }
    return toAdjustment(r);
  }

  async approve(tx: Queryable, id: number, resolvedBy: number | null): Promise<{ before: Adjustment; after: Adjustment }> {
    const before = await this.openForResolution(tx, id, resolvedBy);
    if (before.accountId !== null) {
      await postToAccount(tx, {
        accountId: before.accountId,
        kind: before.amountTenths >= 0 ? "refund" : "correction",
        amountTenths: before.amountTenths,
        settlementId: before.settlementId,
        adjustmentId: before.id,
        description: `adjustment ${before.id} (${before.reasonCode})`,
        createdBy: resolvedBy,
      });
    } else if (before.plateBillId !== null) {
      const bill = await tx.one<{ toll_tenths: number; status: string }>("select toll_tenths, status from plate_bills where id = $1 for update", [
        before.plateBillId,
      ]);
      if (bill.status === "paid" || bill.status === "cancelled") {
        throw new TollwayError("conflict", `plate bill ${before.plateBillId} is ${bill.status}; refund it outside the bill`);
      }
      const toll = Math.max(0, bill.toll_tenths - before.amountTenths);
      await tx.query(
        "update plate_bills set toll_tenths = $2::bigint, status = case when $2::bigint = 0 then 'cancelled' else status end, updated_at = now() where id = $1",
        [before.plateBillId, toll],
      );
      await tx.query("insert into plate_bill_events (bill_id, kind, amount_tenths) values ($1, $2, $3)", [
        before.plateBillId,
        toll === 0 ? "cancelled" : "rerated",
        toll - bill.toll_tenths,
      ]);
    }
    await tx.query("update adjustments set status = 'applied', resolved_by = $2, resolved_at = now() where id = $1", [id, resolvedBy]);
    return { before, after: await this.get(id, tx) };
  }

  async reject(tx: Queryable, id: number, resolvedBy: number | null, note: string | undefined): Promise<{ before: Adjustment; after: Adjustment }> {
    const before = await this.openForResolution(tx, id, resolvedBy);
    await tx.query("update adjustments set status = 'rejected', resolved_by = $2, resolved_at = now(), note = coalesce($3, note) where id = $1", [
      id,
      resolvedBy,
      note ?? null,
    ]);
    return { before, after: await this.get(id, tx) };
  }
}
