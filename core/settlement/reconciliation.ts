import type { Queryable } from "../db/database.ts";

/**
 * Revenue reconciliation of one local day (core/settlement/README.md, "Reconciliation"): every stored
 * passage in exactly one bucket (sql/665 passage_reconciliation), per gantry with its posted prices,
 * and the day's money: settled amounts against the ledger and the plate bills.
 */
export const RECONCILIATION_BUCKETS = ["charged", "billed", "no_charge", "pending", "unbillable:no_zone", "unbillable:hotlist", "unbillable:no_plate"] as const;
export type ReconciliationBucket = (typeof RECONCILIATION_BUCKETS)[number];

export interface BucketFigures {
  passages: number;
  /** Posted prices of the passages (before free km and discounts, which apply per vehicle and day). */
  postedTenths: number;
}

export interface GantryReconciliation {
  gantryId: string;
  stored: number;
  priced: number;
  buckets: Record<ReconciliationBucket, BucketFigures>;
}

export interface DayReconciliation {
  day: string;
  stored: number;
  priced: number;
  buckets: Record<ReconciliationBucket, BucketFigures>;
  gantries: GantryReconciliation[];
  money: {
    /** Settled payable of vehicles with an account, and what the ledger holds for them (toll and toll_adjustment). */
    chargedTenths: number;
    ledgerTenths: number;
    /** Settled payable of vehicles billed by plate, and the plate bills' tolls (+ supplements − refunds). */
    billedTenths: number;
    plateBillTenths: number;
    /** Settled payable nobody can be asked for (no account, no plate). */
    unbillableTenths: number;
  };
  /** Every passage in one bucket, the ledger equal to the charged amount and the bills to the billed one. */
  balanced: boolean;
}

export interface ReconciledPassage {
  id: number;
  ts: string;
  gantryId: string;
  tagId: string | null;
  plate: string | null;
  vehicleKey: string;
  postedPriceTenths: number | null;
  settlementId: number | null;
  bucket: ReconciliationBucket;
}

const emptyBuckets = (): Record<ReconciliationBucket, BucketFigures> =>
  Object.fromEntries(RECONCILIATION_BUCKETS.map((b) => [b, { passages: 0, postedTenths: 0 }])) as Record<ReconciliationBucket, BucketFigures>;

export class Reconciliation {
  constructor(private readonly db: Queryable) {}

  async day(day: string): Promise<DayReconciliation> {
    const [rows, money, total] = await Promise.all([
      this.db.query<{ gantry_id: string; bucket: ReconciliationBucket; n: number; posted: number }>(
        `select gantry_id, bucket, count(*)::int as n, coalesce(sum(posted_price_tenths), 0)::bigint as posted
           from passage_reconciliation($1::date) group by 1, 2 order by 1, 2`,
        [day],
      ),
      this.db.one<{ charged: number; billed: number; unbillable: number; ledger: number; bills: number }>(
        `with s as (
           select s.id, s.account_id, s.payable_tenths, exists (select 1 from plate_bills pb where pb.settlement_id = s.id) as has_bill
             from settlements s where s.local_day = $1::date
         )
         select coalesce(sum(payable_tenths) filter (where account_id is not null), 0)::bigint as charged,
                coalesce(sum(payable_tenths) filter (where account_id is null and has_bill), 0)::bigint as billed,
                coalesce(sum(payable_tenths) filter (where account_id is null and not has_bill), 0)::bigint as unbillable,
                coalesce((select -sum(l.amount_tenths) from ledger_entries l join s on s.id = l.settlement_id
                           where l.kind in ('toll', 'toll_adjustment')), 0)::bigint as ledger,
                coalesce((select sum(pb.toll_tenths) from plate_bills pb where pb.local_day = $1::date and (pb.supplement_of is null or pb.status <> 'cancelled')), 0)::bigint
                  - coalesce((select sum(r.amount_tenths) from plate_bill_refunds r join plate_bills pb on pb.id = r.bill_id where pb.local_day = $1::date), 0)::bigint as bills
           from s`,
        [day],
      ),
      this.db.one<{ n: number }>(
        `select count(*)::int as n from passages
          where ts >= ($1::date::timestamp at time zone toll_timezone()) and ts < (($1::date + 1)::timestamp at time zone toll_timezone())`,
        [day],
      ),
    ]);
    const byGantry = new Map<string, GantryReconciliation>();
    const buckets = emptyBuckets();
    let stored = 0;
    for (const r of rows) {
      let g = byGantry.get(r.gantry_id);
      if (!g) byGantry.set(r.gantry_id, (g = { gantryId: r.gantry_id, stored: 0, priced: 0, buckets: emptyBuckets() }));
      g.buckets[r.bucket] = { passages: r.n, postedTenths: r.posted };
      g.stored += r.n;
      if (r.bucket !== "unbillable:no_zone") g.priced += r.n;
      buckets[r.bucket].passages += r.n;
      buckets[r.bucket].postedTenths += r.posted;
      stored += r.n;
    }
    const m = {
      chargedTenths: money.charged,
      ledgerTenths: money.ledger,
      billedTenths: money.billed,
      plateBillTenths: money.bills,
      unbillableTenths: money.unbillable,
    };
    return {
      day,
      stored,
      priced: stored - buckets["unbillable:no_zone"].passages,
      buckets,
      gantries: [...byGantry.values()],
      money: m,
      balanced: stored === total.n && m.chargedTenths === m.ledgerTenths && m.billedTenths === m.plateBillTenths,
    };
  }

  /** The passages of one bucket (optionally one gantry), by id. */
  async passages(q: { day: string; bucket: ReconciliationBucket; gantryId?: string; afterId?: number; limit: number }): Promise<ReconciledPassage[]> {
    const rows = await this.db.query<{
      id: number;
      ts: Date;
      gantry_id: string;
      tag_id: string | null;
      plate: string | null;
      vehicle_key: string;
      posted_price_tenths: number | null;
      settlement_id: number | null;
      bucket: ReconciliationBucket;
    }>(
      `select * from passage_reconciliation($1::date)
        where bucket = $2 and ($3::text is null or gantry_id = $3) and ($4::bigint is null or id > $4)
        order by id limit $5`,
      [q.day, q.bucket, q.gantryId ?? null, q.afterId ?? null, q.limit],
    );
    return rows.map((r) => ({
      id: r.id,
      ts: r.ts.toISOString(),
      gantryId: r.gantry_id,
      tagId: r.tag_id ?? null,
      plate: r.plate ?? null,
      vehicleKey: r.vehicle_key,
      postedPriceTenths: r.posted_price_tenths ?? null,
      settlementId: r.settlement_id ?? null,
      bucket: r.bucket,
    }));
  }
}
