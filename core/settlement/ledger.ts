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
  const [r] = await postToAccounts(q, [p]);
  return r!;
}

/**
 * Posts many movements in one go (the daily settlement posts one per vehicle): one balance update
 * per account, the entries with their running balance_after in the order given, and the status
 * rule applied once per account. Accounts are locked in id order, so concurrent batches cannot
 * deadlock each other. Results are in the order of `postings`.
 */
export async function postToAccounts(q: Queryable, postings: readonly LedgerPosting[]): Promise<LedgerResult[]> {
  if (postings.length === 0) return [];
  const delta = new Map<number, number>();
  for (const p of postings) {
    if (!Number.isSafeInteger(p.amountTenths)) throw new TollwayError("internal", `ledger amount must be integer tenths, got ${p.amountTenths}`);
    delta.set(p.accountId, (delta.get(p.accountId) ?? 0) + p.amountTenths);
  }
  const ids = [...delta.keys()].sort((a, b) => a - b);
  await q.query("select id from accounts where id = any($1::bigint[]) order by id for update", [ids]);
  const rows = await q.query<BalanceRow>(
    `update accounts a set balance_tenths = a.balance_tenths + d.delta, updated_at = now()
       from unnest($1::bigint[], $2::bigint[]) as d(id, delta) where a.id = d.id
     returning a.id, a.balance_tenths, a.status, a.low_balance_threshold_tenths`,
    [ids, ids.map((id) => delta.get(id)!)],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const missing = ids.find((id) => !byId.has(id));
  if (missing !== undefined) throw new TollwayError("not_found", `account ${missing} does not exist`);

  // Running balances: each account starts at (new balance - its total) and moves entry by entry.
  const running = new Map(ids.map((id) => [id, byId.get(id)!.balance_tenths - delta.get(id)!]));
  const balanceAfter = postings.map((p) => {
    const b = running.get(p.accountId)! + p.amountTenths;
    running.set(p.accountId, b);
    return b;
  });
  const entries = await q.query<{ id: number }>(
    `insert into ledger_entries (account_id, kind, amount_tenths, balance_after_tenths, settlement_id, adjustment_id, description, created_by)
     select account_id, kind, amount, balance_after, settlement_id, adjustment_id, description, created_by
       from unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::text[], $8::bigint[])
            with ordinality as u(account_id, kind, amount, balance_after, settlement_id, adjustment_id, description, created_by, ord)
      order by ord
     returning id`,
    [
      postings.map((p) => p.accountId),
      postings.map((p) => p.kind),
      postings.map((p) => p.amountTenths),
      balanceAfter,
      postings.map((p) => p.settlementId ?? null),
      postings.map((p) => p.adjustmentId ?? null),
      postings.map((p) => p.description ?? null),
      postings.map((p) => p.createdBy ?? null),
    ],
  );
  // Ids come from one sequence in insert order; sorting them restores the order of `postings`.
  const entryIds = entries.map((e) => e.id).sort((a, b) => a - b);

  const newStatus = await applyBalanceRule(q, rows);

  return postings.map((p, i) => ({
    entryId: entryIds[i]!,
    balanceAfterTenths: balanceAfter[i]!,
    accountStatus: newStatus.get(p.accountId) ?? byId.get(p.accountId)!.status,
    statusChanged: newStatus.has(p.accountId),
  }));
}

type BalanceRow = {
  id: number;
  balance_tenths: number;
  status: string;
  low_balance_threshold_tenths: number;
};

/** The low-balance rule (see the top of this file) for accounts as they now are; returns the changes. */
async function applyBalanceRule(q: Queryable, rows: readonly BalanceRow[]): Promise<Map<number, string>> {
  const newStatus = new Map<number, string>();
  for (const r of rows) {
    if (r.status === "active" && r.balance_tenths < r.low_balance_threshold_tenths) newStatus.set(r.id, "low_balance");
    else if (r.status === "low_balance" && r.balance_tenths >= r.low_balance_threshold_tenths) newStatus.set(r.id, "active");
  }
  const toLow = [...newStatus].filter(([, s]) => s === "low_balance").map(([id]) => id);
  const toActive = [...newStatus].filter(([, s]) => s === "active").map(([id]) => id);
  if (toLow.length) await setStatuses(q, toLow, "active", "low_balance");
  if (toActive.length) await setStatuses(q, toActive, "low_balance", "active");
  return newStatus;
}

/**
 * Applies the low-balance rule to one account after something other than a posting changed it
 * (its threshold, or a reactivation). The caller holds the account's row lock.
 */
export async function refreshBalanceStatus(q: Queryable, accountId: number): Promise<boolean> {
  const rows = await q.query<BalanceRow>("select id, balance_tenths, status, low_balance_threshold_tenths from accounts where id = $1", [accountId]);
  return (await applyBalanceRule(q, rows)).size > 0;
}

/** Moves accounts from status `from` to `to`, and their tags with them, one versioned change per tag. */
async function setStatuses(q: Queryable, accountIds: readonly number[], from: string, to: string): Promise<void> {
  await q.query("update accounts set status = $2 where id = any($1::bigint[]) and status = $3", [accountIds, to, from]);
  // Tag rows locked first, so a tag changed meanwhile (blocked, stolen) is re-checked and left alone;
  // each change gets its list version at commit (sql/660).
  await q.query(
    `with locked as (select id from tags where account_id = any($1::bigint[]) and status = $2 order by id for update),
     v as (insert into tag_status_changes (tag_id, status) select id, $3 from locked returning tag_id)
     update tags t set status = $3, status_changed_at = now() from v where t.id = v.tag_id`,
    [accountIds, from, to],
  );
}
