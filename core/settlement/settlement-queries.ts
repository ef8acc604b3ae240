import type { Queryable } from "../db/database.ts";
import { TollwayError } from "../errors/tollway-error.ts";
import { ABANDONED, OWNER_GONE } from "./settlement-service.ts";

export interface SettlementView {
  id: number;
  localDay: string;
  vehicleKey: string;
  tagId: string | null;
  plate: string | null;
  accountId: number | null;
  vehicleClass: number;
  tariffId: number | null;
  passages: number;
  postedTotalTenths: number;
  /** Of the posted total, what congestion prices added (0 on fixed-rate segments). */
  congestionTenths: number;
  specialDiscountTenths: number;
  longDiscountTenths: number;
  freeTenths: number;
  payableTenths: number;
  singleRateDay: boolean;
  revision: number;
  runId: number | null;
  computedAt: string;
}

export interface SettlementRunView {
  id: number;
  localDay: string;
  status: string;
  vehicles: number;
  payableTenths: number;
  adjustments: number;
  triggeredBy: string;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  /** The day's passages when the run began (null until it holds the day), and how many it has settled. */
  passagesTotal: number | null;
  passagesDone: number;
  created: number;
  revised: number;
  unchanged: number;
  plateBills: number;
  adjustmentTenths: number;
  /** The failed run this one resumed after (its vehicles up to that run's checkpoint were already settled). */
  resumedFrom: number | null;
}

interface RunRow extends Record<string, unknown> {
  id: number;
  local_day: string;
  status: string;
  vehicles: number;
  payable_tenths: number;
  adjustments: number;
  triggered_by: string;
  started_at: Date;
  finished_at: Date | null;
  error: string | null;
  passages_total: number | null;
  passages_done: number;
  created: number;
  revised: number;
  unchanged: number;
  plate_bills: number;
  adjustment_tenths: number;
  resumed_from: number | null;
}

/** A run as read: a 'running' row whose process is gone reads as failed (abandoned). */
const RUN_COLUMNS = `id, local_day::text as local_day, case when abandoned then 'failed' else status end as status, vehicles, payable_tenths,
  adjustments, triggered_by, started_at, finished_at, case when abandoned then $1 else error end as error, passages_total, passages_done,
  created, revised, unchanged, plate_bills, adjustment_tenths, resumed_from`;

const toRunView = (r: RunRow): SettlementRunView => ({
  id: r.id,
  localDay: r.local_day,
  status: r.status,
  vehicles: r.vehicles,
  payableTenths: r.payable_tenths,
  adjustments: r.adjustments,
  triggeredBy: r.triggered_by,
  startedAt: r.started_at.toISOString(),
  finishedAt: r.finished_at?.toISOString() ?? null,
  error: r.error,
  passagesTotal: r.passages_total,
  passagesDone: r.passages_done,
  created: r.created,
  revised: r.revised,
  unchanged: r.unchanged,
  plateBills: r.plate_bills,
  adjustmentTenths: r.adjustment_tenths,
  resumedFrom: r.resumed_from,
});

interface SettlementViewRow extends Record<string, unknown> {
  id: number;
  local_day: string;
  vehicle_key: string;
  tag_id: string | null;
  plate: string | null;
  account_id: number | null;
  vehicle_class: number;
  tariff_id: number | null;
  passages: number;
  posted_total_tenths: number;
  congestion_tenths: number;
  special_discount_tenths: number;
  long_discount_tenths: number;
  free_tenths: number;
  payable_tenths: number;
  single_rate_day: boolean;
  revision: number;
  run_id: number | null;
  computed_at: Date;
}

const VIEW_COLUMNS = `id, local_day::text as local_day, vehicle_key, tag_id, plate, account_id, vehicle_class, tariff_id, passages, posted_total_tenths,
  congestion_tenths, special_discount_tenths, long_discount_tenths, free_tenths, payable_tenths, single_rate_day, revision, run_id, computed_at`;

const toView = (r: SettlementViewRow): SettlementView => ({
  id: r.id,
  localDay: r.local_day,
  vehicleKey: r.vehicle_key,
  tagId: r.tag_id,
  plate: r.plate,
  accountId: r.account_id,
  vehicleClass: r.vehicle_class,
  tariffId: r.tariff_id,
  passages: r.passages,
  postedTotalTenths: r.posted_total_tenths,
  congestionTenths: r.congestion_tenths,
  specialDiscountTenths: r.special_discount_tenths,
  longDiscountTenths: r.long_discount_tenths,
  freeTenths: r.free_tenths,
  payableTenths: r.payable_tenths,
  singleRateDay: r.single_rate_day,
  revision: r.revision,
  runId: r.run_id,
  computedAt: r.computed_at.toISOString(),
});

export interface SettlementQuery {
  day?: string | undefined;
  accountId?: number | undefined;
  vehicleKey?: string | undefined;
  limit: number;
  before?: number | undefined;
}

/** Read side of settlements: listing, one settlement with its ledger entries, and the runs. */
export class SettlementQueries {
  constructor(private readonly db: Queryable) {}

  async list(q: SettlementQuery): Promise<{ items: SettlementView[]; nextCursor: string | null }> {
    const rows = await this.db.query<SettlementViewRow>(
      `select ${VIEW_COLUMNS} from settlements
        where ($1::date is null or local_day = $1::date) and ($2::bigint is null or account_id = $2)
          and ($3::text is null or vehicle_key = $3) and ($4::bigint is null or id < $4)
        order by id desc limit $5`,
      [q.day ?? null, q.accountId ?? null, q.vehicleKey ?? null, q.before ?? null, q.limit + 1],
    );
    const items = rows.slice(0, q.limit).map(toView);
    return { items, nextCursor: rows.length > q.limit ? String(items[items.length - 1]!.id) : null };
  }

  async get(id: number): Promise<SettlementView & { ledgerEntries: { id: number; kind: string; amountTenths: number; createdAt: string }[] }> {
    const r = await this.db.maybeOne<SettlementViewRow>(`select ${VIEW_COLUMNS} from settlements where id = $1`, [id]);
    if (!r) throw new TollwayError("not_found", `settlement ${id} does not exist`);
    const entries = await this.db.query<{ id: number; kind: string; amount_tenths: number; created_at: Date }>(
      "select id, kind, amount_tenths, created_at from ledger_entries where settlement_id = $1 order by id",
      [id],
    );
    return {
      ...toView(r),
      ledgerEntries: entries.map((e) => ({ id: e.id, kind: e.kind, amountTenths: e.amount_tenths, createdAt: e.created_at.toISOString() })),
    };
  }

  async runs(day: string | undefined, limit: number): Promise<SettlementRunView[]> {
    const rows = await this.db.query<RunRow>(
      `select ${RUN_COLUMNS}
         from (select r.*, r.status = 'running' and ${OWNER_GONE} as abandoned from settlement_runs r
                where ($2::date is null or r.local_day = $2::date) order by r.id desc limit $3) runs
        order by id desc`,
      [ABANDONED, day ?? null, limit],
    );
    return rows.map(toRunView);
  }

  /** One run: its status, progress and, once done, its result. */
  async run(id: number): Promise<SettlementRunView> {
    const r = await this.db.maybeOne<RunRow>(
      `select ${RUN_COLUMNS} from (select r.*, r.status = 'running' and ${OWNER_GONE} as abandoned from settlement_runs r where r.id = $2) runs`,
      [ABANDONED, id],
    );
    if (!r) throw new TollwayError("not_found", `settlement run ${id} does not exist`);
    return toRunView(r);
  }
}
