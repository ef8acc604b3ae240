import type { Queryable } from "../db/database.ts";
import { TollwayError } from "../errors/tollway-error.ts";
import { isLocalDay } from "../time/local-time.ts";

/**
 * Plate billing: vehicles without a tag are billed by plate, one bill per plate per local day
 * (created by the daily settlement), due `due_days` after the day.
 *
 * Escalation (plate_billing_policy, one row the operator edits): a bill still unpaid
 *  - more than notice_after_days after its due date gets a notice,
 *  - more than fee_after_days after it gets the handling fee (NT$50 by default),
 *  - more than fine_after_days after it gets the fine (NT$300 by default).
 * "NT$300 per unpaid day" is read as the statute does: one fine per unpaid travel day, i.e. per
 * bill, since a bill is one day; not a fine that grows every calendar day. Every step happens once
 * (the status moves forward) and is recorded in plate_bill_events, so the job can run any number of
 * times. A payment must settle the whole outstanding amount (toll + fee + fine).
 */
export const UNPAID = ["open", "notice", "fee", "fine"] as const;
export const BILL_STATUSES = ["open", "notice", "fee", "fine", "paid", "cancelled"] as const;
export type BillStatus = (typeof BILL_STATUSES)[number];

export interface PlateBill {
  id: number;
  plate: string;
  localDay: string;
  settlementId: number | null;
  vehicleClass: number;
  tollTenths: number;
  feeTenths: number;
  fineTenths: number;
  outstandingTenths: number;
  dueDate: string;
  status: BillStatus;
  paidAt: string | null;
  paidTenths: number | null;
  /** A supplementary bill: the paid bill of the same plate and day it adds to. */
  supplementOf: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface PlateBillingPolicy {
  dueDays: number;
  noticeAfterDays: number;
  feeAfterDays: number;
  feeTenths: number;
  fineAfterDays: number;
  fineTenths: number;
  updatedAt: string;
}

interface BillRow extends Record<string, unknown> {
  id: number;
  plate: string;
  local_day: string;
  settlement_id: number | null;
  vehicle_class: number;
  toll_tenths: number;
  fee_tenths: number;
  fine_tenths: number;
  due_date: string;
  status: BillStatus;
  paid_at: Date | null;
  paid_tenths: number | null;
  supplement_of: number | null;
  created_at: Date;
  updated_at: Date;
}

const BILL_COLUMNS =
  "id, plate, local_day::text as local_day, settlement_id, vehicle_class, toll_tenths, fee_tenths, fine_tenths, due_date::text as due_date, status, paid_at, paid_tenths, supplement_of, created_at, updated_at";

function toBill(r: BillRow): PlateBill {
  const unpaid = (UNPAID as readonly string[]).includes(r.status);
  return {
    id: r.id,
    plate: r.plate,
    localDay: r.local_day,
    settlementId: r.settlement_id,
    vehicleClass: r.vehicle_class,
    tollTenths: r.toll_tenths,
    feeTenths: r.fee_tenths,
    fineTenths: r.fine_tenths,
    outstandingTenths: unpaid ? r.toll_tenths + r.fee_tenths + r.fine_tenths : 0,
    dueDate: r.due_date,
    status: r.status,
    paidAt: r.paid_at?.toISOString() ?? null,
    paidTenths: r.paid_tenths,
    supplementOf: r.supplement_of ?? null,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/**
 * Called by the settlement inside its transaction: creates the day's bill, or re-rates it. Returns
 * whether a bill was created or changed. A paid bill is not reopened: what the day costs now is
 * compared with what was paid plus supplements less refunds, and the difference becomes a refund
 * due (lower) or a supplementary bill (higher), with events on the paid bill. A cancelled bill only
 * records the 'rerated' event.
 */
export async function billPlateDay(
  tx: Queryable,
  b: { plate: string; day: string; settlementId: number; vehicleClass: number; tollTenths: number; dueDays: number },
): Promise<boolean> {
  const bill = await tx.maybeOne<{ id: number; toll_tenths: number; status: BillStatus }>(
    "select id, toll_tenths, status from plate_bills where plate = $1 and local_day = $2::date and supplement_of is null for update",
    [b.plate, b.day],
  );
  if (!bill) {
    if (b.tollTenths <= 0) return false;
    const created = await tx.one<{ id: number }>(
      `insert into plate_bills (plate, local_day, settlement_id, vehicle_class, toll_tenths, due_date)
       values ($1, $2::date, $3, $4, $5, $2::date + $6::int) returning id`,
      [b.plate, b.day, b.settlementId, b.vehicleClass, b.tollTenths, b.dueDays],
    );
    await tx.query("insert into plate_bill_events (bill_id, kind, amount_tenths) values ($1, 'created', $2)", [created.id, b.tollTenths]);
    return true;
  }
  if (bill.status === "paid") return settlePaidBill(tx, bill, b);
  const diff = b.tollTenths - bill.toll_tenths;
  if (diff === 0) return false;
  await tx.query("insert into plate_bill_events (bill_id, kind, amount_tenths) values ($1, 'rerated', $2)", [bill.id, diff]);
  if (bill.status === "cancelled") return true;
  const cancel = b.tollTenths <= 0;
  await tx.query(
    `update plate_bills set toll_tenths = $2::bigint, status = case when $3::boolean then 'cancelled' else status end, updated_at = now() where id = $1`,
    [bill.id, b.tollTenths, cancel],
  );
  if (cancel) await tx.query("insert into plate_bill_events (bill_id, kind) values ($1, 'cancelled')", [bill.id]);
  return true;
}

/** A paid bill re-rated: a refund due or a supplementary bill for the difference (see billPlateDay). */
async function settlePaidBill(
  tx: Queryable,
  bill: { id: number; toll_tenths: number },
  b: { plate: string; day: string; settlementId: number; vehicleClass: number; tollTenths: number; dueDays: number },
): Promise<boolean> {
  const { billed } = await tx.one<{ billed: number }>(
    `select $2::bigint
            + coalesce((select sum(toll_tenths) from plate_bills where supplement_of = $1 and status <> 'cancelled'), 0)
            - coalesce((select sum(amount_tenths) from plate_bill_refunds where bill_id = $1), 0) as billed`,
    [bill.id, bill.toll_tenths],
  );
  const diff = b.tollTenths - billed;
  if (diff === 0) return false;
  await tx.query("insert into plate_bill_events (bill_id, kind, amount_tenths) values ($1, 'rerated', $2)", [bill.id, diff]);
  if (diff < 0) {
    await tx.query("insert into plate_bill_refunds (bill_id, amount_tenths) values ($1, $2)", [bill.id, -diff]);
    await tx.query("insert into plate_bill_events (bill_id, kind, amount_tenths) values ($1, 'refund_due', $2)", [bill.id, -diff]);
    return true;
  }
  // Due `due_days` after it is made: the paid bill's own due date may be long past.
  const sup = await tx.one<{ id: number }>(
    `insert into plate_bills (plate, local_day, settlement_id, vehicle_class, toll_tenths, due_date, supplement_of)
     values ($1, $2::date, $3, $4, $5, (now() at time zone toll_timezone())::date + $6::int, $7) returning id`,
    [b.plate, b.day, b.settlementId, b.vehicleClass, diff, b.dueDays, bill.id],
  );
  await tx.query("insert into plate_bill_events (bill_id, kind, amount_tenths) values ($1, 'created', $2)", [sup.id, diff]);
  await tx.query("insert into plate_bill_events (bill_id, kind, amount_tenths) values ($1, 'supplement', $2)", [bill.id, diff]);
  return true;
}

export interface NewPlateBill {
  plate: string;
  settlementId: number;
  vehicleClass: number;
  tollTenths: number;
}

/** The first bills of a day, in one statement (a bill that already exists for the plate and day is left alone). */
export async function createPlateBills(tx: Queryable, day: string, dueDays: number, bills: readonly NewPlateBill[]): Promise<number> {
  if (bills.length === 0) return 0;
  const rows = await tx.query<{ n: number }>(
    `with b as (
       insert into plate_bills (plate, local_day, settlement_id, vehicle_class, toll_tenths, due_date)
       select plate, $1::date, settlement_id, vehicle_class, toll, $1::date + $2::int
         from unnest($3::text[], $4::bigint[], $5::smallint[], $6::bigint[]) as u(plate, settlement_id, vehicle_class, toll)
       on conflict (plate, local_day) where supplement_of is null do nothing
       returning id, toll_tenths
     ), e as (
       insert into plate_bill_events (bill_id, kind, amount_tenths) select id, 'created', toll_tenths from b returning 1
     ) select count(*)::int as n from e`,
    [day, dueDays, bills.map((b) => b.plate), bills.map((b) => b.settlementId), bills.map((b) => b.vehicleClass), bills.map((b) => b.tollTenths)],
  );
  return rows[0]?.n ?? 0;
}

export interface BillQuery {
  plate?: string;
  status?: BillStatus;
  limit: number;
  /** Bills with id below this (newest first). */
  before?: number;
}

export interface EscalationResult {
  asOf: string;
  notices: number;
  fees: number;
  fines: number;
}

export class PlateBillService {
  constructor(private readonly db: Queryable) {}

  async list(q: BillQuery): Promise<{ items: PlateBill[]; nextCursor: string | null }> {
    const rows = await this.db.query<BillRow>(
      `select ${BILL_COLUMNS} from plate_bills
        where ($1::text is null or plate = $1) and ($2::text is null or status = $2) and ($3::bigint is null or id < $3)
        order by id desc limit $4`,
      [q.plate ?? null, q.status ?? null, q.before ?? null, q.limit + 1],
    );
    const items = rows.slice(0, q.limit).map(toBill);
    return { items, nextCursor: rows.length > q.limit ? String(items[items.length - 1]!.id) : null };
  }

  async get(id: number): Promise<
    PlateBill & {
      events: { kind: string; amountTenths: number; at: string }[];
      refunds: { id: number; amountTenths: number; status: string; createdAt: string }[];
      supplements: number[];
    }
  > {
    const row = await this.db.maybeOne<BillRow>(`select ${BILL_COLUMNS} from plate_bills where id = $1`, [id]);
    if (!row) throw new TollwayError("not_found", `plate bill ${id} does not exist`);
    const [events, refunds, supplements] = await Promise.all([
      this.db.query<{ kind: string; amount_tenths: number; at: Date }>("select kind, amount_tenths, at from plate_bill_events where bill_id = $1 order by id", [
        id,
      ]),
      this.db.query<{ id: number; amount_tenths: number; status: string; created_at: Date }>(
        "select id, amount_tenths, status, created_at from plate_bill_refunds where bill_id = $1 order by id",
        [id],
      ),
      this.db.query<{ id: number }>("select id from plate_bills where supplement_of = $1 order by id", [id]),
    ]);
    return {
      ...toBill(row),
      events: events.map((e) => ({ kind: e.kind, amountTenths: e.amount_tenths, at: e.at.toISOString() })),
      refunds: refunds.map((r) => ({ id: r.id, amountTenths: r.amount_tenths, status: r.status, createdAt: r.created_at.toISOString() })),
      supplements: supplements.map((r) => r.id),
    };
  }

  /** Pays the whole outstanding amount of a bill. Returns the bill before and after. */
  async pay(tx: Queryable, id: number, amountTenths: number): Promise<{ before: PlateBill; after: PlateBill }> {
    const row = await tx.maybeOne<BillRow>(`select ${BILL_COLUMNS} from plate_bills where id = $1 for update`, [id]);
    if (!row) throw new TollwayError("not_found", `plate bill ${id} does not exist`);
    const before = toBill(row);
    if (!(UNPAID as readonly string[]).includes(row.status)) throw new TollwayError("conflict", `plate bill ${id} is ${row.status}, nothing to pay`);
    if (amountTenths !== before.outstandingTenths) {
      throw new TollwayError("unprocessable", `the payment must be the outstanding amount ${before.outstandingTenths} tenths, got ${amountTenths}`, {
        fields: [{ field: "body.amountTenths", message: `must equal the outstanding amount ${before.outstandingTenths}` }],
      });
    }
    const after = await tx.one<BillRow>(
      `update plate_bills set status = 'paid', paid_at = now(), paid_tenths = $2, updated_at = now() where id = $1 returning ${BILL_COLUMNS}`,
      [id, amountTenths],
    );
    await tx.query("insert into plate_bill_events (bill_id, kind, amount_tenths) values ($1, 'paid', $2)", [id, amountTenths]);
    return { before, after: toBill(after) };
  }

  /** Moves every unpaid bill forward as of a local day. Idempotent. */
  async escalate(tx: Queryable, asOf: string): Promise<EscalationResult> {
    if (!isLocalDay(asOf))
      throw new TollwayError("bad_request", `not a calendar day: ${asOf}`, { fields: [{ field: "body.asOf", message: "must be YYYY-MM-DD" }] });
    const p = await this.policy(tx);
    const step = async (from: readonly string[], to: string, afterDays: number, column: "fee_tenths" | "fine_tenths" | null, amount: number) => {
      const set = column ? `, ${column} = $4` : "";
      const rows = await tx.query<{ n: number }>(
        `with u as (
           update plate_bills set status = $2, updated_at = now()${set}
            where status = any($1::text[]) and $3::date > due_date + ${Number(afterDays)}
           returning id
         ), e as (
           insert into plate_bill_events (bill_id, kind, amount_tenths) select id, $2, ${column ? "$4" : "0"} from u returning 1
         ) select count(*)::int as n from e`,
        column ? [from, to, asOf, amount] : [from, to, asOf],
      );
      return rows[0]?.n ?? 0;
    };
    // In order, so a bill that is far overdue still gets its notice and fee before the fine.
    const notices = await step(["open"], "notice", p.noticeAfterDays, null, 0);
    const fees = await step(["open", "notice"], "fee", p.feeAfterDays, "fee_tenths", p.feeTenths);
    const fines = await step(["open", "notice", "fee"], "fine", p.fineAfterDays, "fine_tenths", p.fineTenths);
    return { asOf, notices, fees, fines };
  }

  async policy(q: Queryable = this.db): Promise<PlateBillingPolicy> {
    const r = await q.one<{
      due_days: number;
      notice_after_days: number;
      fee_after_days: number;
      fee_tenths: number;
      fine_after_days: number;
      fine_tenths: number;
      updated_at: Date;
    }>("select due_days, notice_after_days, fee_after_days, fee_tenths, fine_after_days, fine_tenths, updated_at from plate_billing_policy where id");
    return {
      dueDays: r.due_days,
      noticeAfterDays: r.notice_after_days,
      feeAfterDays: r.fee_after_days,
      feeTenths: r.fee_tenths,
      fineAfterDays: r.fine_after_days,
      fineTenths: r.fine_tenths,
      updatedAt: r.updated_at.toISOString(),
    };
  }

  async updatePolicy(tx: Queryable, p: Omit<PlateBillingPolicy, "updatedAt">): Promise<{ before: PlateBillingPolicy; after: PlateBillingPolicy }> {
    if (!(p.noticeAfterDays <= p.feeAfterDays && p.feeAfterDays <= p.fineAfterDays)) {
      throw new TollwayError("unprocessable", "escalation must go notice, then fee, then fine: noticeAfterDays <= feeAfterDays <= fineAfterDays", {
        fields: [{ field: "body.feeAfterDays", message: "must be between noticeAfterDays and fineAfterDays" }],
      });
    }
    const before = await this.policy(tx);
    await tx.query(
      `update plate_billing_policy set due_days = $1, notice_after_days = $2, fee_after_days = $3, fee_tenths = $4, fine_after_days = $5,
              fine_tenths = $6, updated_at = now() where id`,
      [p.dueDays, p.noticeAfterDays, p.feeAfterDays, p.feeTenths, p.fineAfterDays, p.fineTenths],
    );
    return { before, after: await this.policy(tx) };
  }
}
