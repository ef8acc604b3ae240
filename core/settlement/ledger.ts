import type { Queryable } from "../db/database.ts";
import { TollwayError } from "../errors/tollway-error.ts";

/**
 * Posts one money movement to a prepaid account inside the caller's transaction: moves the balance,
 * writes the ledger entry with balance_after, and applies the low-balance rule:
 * - balance below the account's threshold (negative included): an active account becomes
 *   low_balance, and so do its active tags (each change versioned in tag_status_changes, which is
 *   what the tag status list exports);
 * - a credit that brings it back to the threshold or above restores active (account and the tags
 *   this rule had marked low_balance).
 * Blocked, lost and stolen tags and suspended/closed accounts are never touched.
 */
export type LedgerKind = "topup" | "toll" | "toll_adjustment" | "refund" | "fee" | "correction";

export interface LedgerPosting {
  accountId: number;
  kind: LedgerKind;
  /** Credit positive, debit negative, NT$0.1. */
  amountTenths: number;
  settlementId?: number | null;
  adjustmentId?: number | null;
  description?: string | null;
  createdBy?: number | null;
}

export interface LedgerResult {
  entryId: number;
  balanceAfterTenths: number;
  accountStatus: string;
  /** The account's status changed by this posting. */
  statusChanged: boolean;
}

export async function postToAccount(q: Queryable, p: LedgerPosting): Promise<LedgerResult> {
  if (!Number.isSafeInteger(p.amountTenths)) throw new TollwayError("internal", `ledger amount must be integer tenths, got ${p.amountTenths}`);
  const acct = await q.maybeOne<{ balance_tenths: number; status: string; low_balance_threshold_tenths: number }>(
    `update accounts set balance_tenths = balance_tenths + $2, updated_at = now() where id = $1
     returning balance_tenths, status, low_balance_threshold_tenths`,
    [p.accountId, p.amountTenths],
  );
  if (!acct) throw new TollwayError("not_found", `account ${p.accountId} does not exist`);
  const entry = await q.one<{ id: number }>(
    `insert into ledger_entries (account_id, kind, amount_tenths, balance_after_tenths, settlement_id, adjustment_id, description, created_by)
     values ($1, $2, $3, $4, $5, $6, $7, $8) returning id`,
    [p.accountId, p.kind, p.amountTenths, acct.balance_tenths, p.settlementId ?? null, p.adjustmentId ?? null, p.description ?? null, p.createdBy ?? null],
  );
  let status = acct.status;
  if (acct.status === "active" && acct.balance_tenths < acct.low_balance_threshold_tenths) status = "low_balance";
  else if (acct.status === "low_balance" && acct.balance_tenths >= acct.low_balance_threshold_tenths) status = "active";
  if (status !== acct.status) {
    await q.query("update accounts set status = $2 where id = $1", [p.accountId, status]);
    await setTagStatuses(q, p.accountId, status === "low_balance" ? "active" : "low_balance", status);
  }
  return { entryId: entry.id, balanceAfterTenths: acct.balance_tenths, accountStatus: status, statusChanged: status !== acct.status };
}

/** Moves the account's tags in status `from` to `to`, one versioned change per tag. */
async function setTagStatuses(q: Queryable, accountId: number, from: string, to: string): Promise<void> {
  // One statement, so each tag row is updated once with the version of its own change record.
  await q.query(
    `with v as (
       insert into tag_status_changes (tag_id, status)
       select id, $3 from tags where account_id = $1 and status = $2 order by id
       returning version, tag_id
     )
     update tags t set status = $3, status_changed_at = now(), status_version = v.version from v where t.id = v.tag_id`,
    [accountId, from, to],
  );
}
