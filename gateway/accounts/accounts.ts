import type { Queryable } from "../../core/db/database.ts";
import { TollwayError } from "../../core/errors/tollway-error.ts";
import { recordAudit, type Actor } from "../audit/audit-log.ts";
import { iso } from "../http/schemas.ts";
import { postToAccount, refreshBalanceStatus } from "../../core/settlement/ledger.ts";

/**
 * Prepaid accounts (personal or fleet), their ledger and vehicles. Balances only change together
 * with a ledger entry (balance_after makes each entry auditable on its own).
 */
export type AccountKind = "personal" | "fleet";
export type AccountStatus = "active" | "low_balance" | "suspended" | "closed";

export interface Account {
  id: number;
  kind: AccountKind;
  name: string;
  email: string | null;
  phone: string | null;
  status: AccountStatus;
  balanceTenths: number;
  lowBalanceThresholdTenths: number;
  createdAt: string;
  updatedAt: string;
}

export type LedgerKind = "topup" | "toll" | "toll_adjustment" | "refund" | "fee" | "correction";

export interface LedgerEntry {
  id: number;
  accountId: number;
  kind: LedgerKind;
  amountTenths: number;
  balanceAfterTenths: number;
  settlementId: number | null;
  adjustmentId: number | null;
  description: string | null;
  createdBy: number | null;
  createdAt: string;
}

export interface Vehicle {
  id: number;
  accountId: number;
  plate: string;
  vehicleClass: number;
  description: string | null;
  createdAt: string;
}

const ACCOUNT_COLS = "id, kind, name, email, phone, status, balance_tenths, low_balance_threshold_tenths, created_at, updated_at";

interface AccountRow extends Record<string, unknown> {
  id: number;
  kind: AccountKind;
  name: string;
  email: string | null;
  phone: string | null;
  status: AccountStatus;
  balance_tenths: number;
  low_balance_threshold_tenths: number;
  created_at: Date;
  updated_at: Date;
}

export const toAccount = (r: AccountRow): Account => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  email: r.email ?? null,
  phone: r.phone ?? null,
  status: r.status,
  balanceTenths: r.balance_tenths,
  lowBalanceThresholdTenths: r.low_balance_threshold_tenths,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

interface LedgerRow extends Record<string, unknown> {
  id: number;
  account_id: number;
  kind: LedgerKind;
  amount_tenths: number;
  balance_after_tenths: number;
  settlement_id: number | null;
  adjustment_id: number | null;
  description: string | null;
  created_by: number | null;
  created_at: Date;
}

const toLedger = (r: LedgerRow): LedgerEntry => ({
  id: r.id,
  accountId: r.account_id,
  kind: r.kind,
  amountTenths: r.amount_tenths,
  balanceAfterTenths: r.balance_after_tenths,
  settlementId: r.settlement_id ?? null,
  adjustmentId: r.adjustment_id ?? null,
  description: r.description ?? null,
  createdBy: r.created_by ?? null,
  createdAt: iso(r.created_at)!,
});

interface VehicleRow extends Record<string, unknown> {
  id: number;
  account_id: number;
  plate: string;
  vehicle_class: number;
  description: string | null;
  created_at: Date;
}

const toVehicle = (r: VehicleRow): Vehicle => ({
  id: r.id,
  accountId: r.account_id,
  plate: r.plate,
  vehicleClass: r.vehicle_class,
  description: r.description ?? null,
  createdAt: iso(r.created_at)!,
});

export interface AccountFilter {
  status?: AccountStatus;
  kind?: AccountKind;
  /** Case-insensitive substring of the name or e-mail. */
  q?: string;
  afterId?: number;
  limit: number;
}

export class AccountService {
  constructor(private readonly db: Queryable) {}

  async get(id: number, q: Queryable = this.db, lock = false): Promise<Account> {
    const r = await q.maybeOne<AccountRow>(`select ${ACCOUNT_COLS} from accounts where id = $1${lock ? " for update" : ""}`, [id]);
    if (!r) throw new TollwayError("not_found", `Account ${id} does not exist`);
    return toAccount(r);
  }

  async list(f: AccountFilter): Promise<Account[]> {
    const rows = await this.db.query<AccountRow>(
      `select ${ACCOUNT_COLS} from accounts
       where ($1::text is null or status = $1) and ($2::text is null or kind = $2)
         and ($3::text is null or name ilike '%' || $3 || '%' or email ilike '%' || $3 || '%')
         and id > $4
       order by id limit $5`,
      [f.status ?? null, f.kind ?? null, f.q?.replace(/[\\%_]/g, (m) => `\\${m}`) ?? null, f.afterId ?? 0, f.limit],
    );
    return rows.map(toAccount);
  }

  async create(
    tx: Queryable,
    actor: Actor,
    input: { kind: AccountKind; name: string; email?: string | null; phone?: string | null; lowBalanceThresholdTenths?: number },
  ): Promise<Account> {
    const r = await tx.one<AccountRow>(
      `insert into accounts (kind, name, email, phone, low_balance_threshold_tenths) values ($1, $2, $3, $4, coalesce($5, 1000))
       returning ${ACCOUNT_COLS}`,
      [input.kind, input.name, input.email ?? null, input.phone ?? null, input.lowBalanceThresholdTenths ?? null],
    );
    const account = toAccount(r);
    await recordAudit(tx, actor, { action: "account.create", entity: "account", entityId: account.id, after: account });
    return account;
  }

  async update(
    tx: Queryable,
    actor: Actor,
    id: number,
    patch: { name?: string; email?: string | null; phone?: string | null; lowBalanceThresholdTenths?: number; status?: "active" | "suspended" | "closed" },
  ): Promise<Account> {
    const before = await this.get(id, tx, true);
    if (before.status === "closed" && patch.status !== undefined && patch.status !== "closed") {
      throw new TollwayError("conflict", `Account ${id} is closed; it cannot be reopened`);
    }
    // Reactivating an account whose balance is under its threshold lands in low_balance, not active.
    const r = await tx.one<AccountRow>(
      `update accounts set
         name = coalesce($2, name),
         email = case when $3::boolean then $4 else email end,
         phone = case when $5::boolean then $6 else phone end,
         low_balance_threshold_tenths = coalesce($7, low_balance_threshold_tenths),
         status = coalesce($8, status),
         updated_at = now()
       where id = $1 returning ${ACCOUNT_COLS}`,
      [
        id,
        patch.name ?? null,
        patch.email !== undefined,
        patch.email ?? null,
        patch.phone !== undefined,
        patch.phone ?? null,
        patch.lowBalanceThresholdTenths ?? null,
        patch.status ?? null,
      ],
    );
    let after = toAccount(r);
    if (await refreshBalanceStatus(tx, id)) after = await this.get(id, tx);
    await recordAudit(tx, actor, { action: "account.update", entity: "account", entityId: id, before, after });
    return after;
  }

  /**
   * A top-up: one ledger entry and the new balance, atomically. An account in low_balance whose
   * balance reaches its threshold becomes active again, and so do its low_balance tags.
   */
  async topUp(tx: Queryable, actor: Actor, id: number, amountTenths: number, description: string | null): Promise<{ account: Account; entry: LedgerEntry }> {
    const before = await this.get(id, tx, true);
    if (before.status === "closed") throw new TollwayError("conflict", `Account ${id} is closed`);
    // The ledger moves the balance and applies the low-balance rule (tags follow the account).
    const posted = await postToAccount(tx, { accountId: id, kind: "topup", amountTenths, description, createdBy: actor.keyId });
    const account = await this.get(id, tx);
    const entry = toLedger(await tx.one<LedgerRow>("select * from ledger_entries where id = $1", [posted.entryId]));
    await recordAudit(tx, actor, { action: "account.top_up", entity: "account", entityId: id, before, after: { account, entry } });
    return { account, entry };
  }

  async ledger(id: number, f: { kind?: LedgerKind; from?: Date; to?: Date; beforeId?: number; limit: number }): Promise<LedgerEntry[]> {
    await this.get(id);
    const rows = await this.db.query<LedgerRow>(
      `select * from ledger_entries
       where account_id = $1 and ($2::text is null or kind = $2) and ($3::timestamptz is null or created_at >= $3)
         and ($4::timestamptz is null or created_at < $4) and id < $5
       order by id desc limit $6`,
      [id, f.kind ?? null, f.from ?? null, f.to ?? null, f.beforeId ?? Number.MAX_SAFE_INTEGER, f.limit],
    );
    return rows.map(toLedger);
  }

  async addVehicle(
    tx: Queryable,
    actor: Actor,
    accountId: number,
    input: { plate: string; vehicleClass: number; description?: string | null },
  ): Promise<Vehicle> {
    const account = await this.get(accountId, tx);
    if (account.status === "closed") throw new TollwayError("conflict", `Account ${accountId} is closed`);
    const existing = await tx.maybeOne(`select account_id from vehicles where plate = $1`, [input.plate]);
    if (existing)
      throw new TollwayError("conflict", `Plate ${input.plate} is already registered`, { fields: [{ field: "body.plate", message: "already registered" }] });
    const r = await tx.one<VehicleRow>(`insert into vehicles (account_id, plate, vehicle_class, description) values ($1, $2, $3, $4) returning *`, [
      accountId,
      input.plate,
      input.vehicleClass,
      input.description ?? null,
    ]);
    const vehicle = toVehicle(r);
    await recordAudit(tx, actor, { action: "vehicle.create", entity: "vehicle", entityId: vehicle.id, after: vehicle });
    return vehicle;
  }

  async vehicles(accountId: number): Promise<Vehicle[]> {
    await this.get(accountId);
    return (await this.db.query<VehicleRow>(`select * from vehicles where account_id = $1 order by id`, [accountId])).map(toVehicle);
  }

  async vehicleByPlate(plate: string): Promise<Vehicle> {
    const r = await this.db.maybeOne<VehicleRow>(`select * from vehicles where plate = $1`, [plate]);
    if (!r) throw new TollwayError("not_found", `No vehicle with plate ${plate}`);
    return toVehicle(r);
  }

  async vehicle(id: number, q: Queryable = this.db): Promise<Vehicle> {
    const r = await q.maybeOne<VehicleRow>(`select * from vehicles where id = $1`, [id]);
    if (!r) throw new TollwayError("not_found", `Vehicle ${id} does not exist`);
    return toVehicle(r);
  }
}
