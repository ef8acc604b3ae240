import type { Queryable } from "../db/database.ts";
import type { DailyToll } from "../tariff/daily-toll.ts";
import { postToAccounts, type LedgerPosting } from "./ledger.ts";
import { billPlateDay, createPlateBills, type NewPlateBill } from "./plate-bills.ts";

/** One vehicle of the day with its price (`priceDay`). */
export interface PricedVehicle {
  key: string;
  tagId: string | null;
  plate: string | null;
  accountId: number | null;
  toll: DailyToll;
}

/** What settling some vehicles did (a run adds these up over its key ranges). */
export interface SettleCounts {
  vehicles: number;
  created: number;
  revised: number;
  unchanged: number;
  payableTenths: number;
  adjustments: number;
  adjustmentTenths: number;
  plateBills: number;
}

export const noCounts = (): SettleCounts => ({
  vehicles: 0,
  created: 0,
  revised: 0,
  unchanged: 0,
  payableTenths: 0,
  adjustments: 0,
  adjustmentTenths: 0,
  plateBills: 0,
});

export function addCounts(into: SettleCounts, c: SettleCounts): void {
  for (const k of Object.keys(into) as (keyof SettleCounts)[]) into[k] += c[k];
}

/** A settlement the day already has, as the run compares it. */
export interface ExistingSettlement extends Record<string, unknown> {
  id: number;
  vehicle_key: string;
  account_id: number | null;
  vehicle_class: number;
  tariff_id: number | null;
  passages: number;
  posted_total_tenths: number;
  congestion_tenths: number;
  free_tenths: number;
  long_discount_tenths: number;
  special_discount_tenths: number;
  single_rate_day: boolean;
  payable_tenths: number;
  revision: number;
}

export const EXISTING_COLUMNS = `id, vehicle_key, account_id, tariff_id, vehicle_class, passages, posted_total_tenths, congestion_tenths, free_tenths,
  long_discount_tenths, special_discount_tenths, single_rate_day, payable_tenths, revision`;

/**
 * Settles some vehicles of one day inside the caller's transaction (the money rules of the
 * settlement, core/settlement/README.md): a vehicle without a settlement gets one and ONE 'toll'
 * entry (or a plate bill); one whose result is unchanged is left alone; a changed one gets
 * revision + 1 and only the difference ('toll_adjustment', or its plate bill re-rated).
 */
export async function settleVehicles(
  tx: Queryable,
  ctx: { day: string; runId: number; dueDays: number },
  vehicles: readonly PricedVehicle[],
  /** The day's settlements of these vehicles' keys (others are ignored). */
  existingRows: readonly ExistingSettlement[],
): Promise<SettleCounts> {
  const { day, runId } = ctx;
  const r = noCounts();
  r.vehicles = vehicles.length;
  if (vehicles.length === 0) return r;
  const existing = new Map(existingRows.map((e) => [e.vehicle_key, e]));
  const fresh: PricedVehicle[] = [];
  const changed: { old: ExistingSettlement; v: PricedVehicle }[] = [];
  for (const v of vehicles) {
    r.payableTenths += v.toll.payableTenths;
    const old = existing.get(v.key);
    if (!old) fresh.push(v);
    else if (sameResult(old, v.toll)) r.unchanged++;
    else changed.push({ old, v });
  }

  const postings: LedgerPosting[] = [];
  if (fresh.length) {
    const cols = (f: (x: PricedVehicle) => unknown) => fresh.map(f);
    const ids = await tx.query<{ id: number; vehicle_key: string }>(
      `insert into settlements (local_day, vehicle_key, tag_id, plate, account_id, vehicle_class, tariff_id, passages, posted_total_tenths,
                                free_tenths, long_discount_tenths, special_discount_tenths, single_rate_day, payable_tenths, congestion_tenths, run_id)
       select $1::date, * , $16::bigint from unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::smallint[], $7::bigint[], $8::int[],
                                  $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[], $13::boolean[], $14::bigint[], $15::bigint[])
       returning id, vehicle_key`,
      [day, cols((x) => x.key), cols((x) => x.tagId), cols((x) => x.plate), cols((x) => x.accountId), ...tollArrays(fresh.map((x) => x.toll)), runId],
    );
    const idOf = new Map(ids.map((x) => [x.vehicle_key, x.id]));
    r.created = fresh.length;
    const bills: NewPlateBill[] = [];
    for (const f of fresh) {
      const settlementId = idOf.get(f.key)!;
      // A registered plate read without its tag is charged to its account; unregistered plates are billed.
      if (f.accountId !== null) {
        postings.push({ accountId: f.accountId, kind: "toll", amountTenths: -f.toll.payableTenths, settlementId, description: `toll ${day}` });
      } else if (f.plate && f.toll.payableTenths > 0) {
        // Nobody's account: billed by the plate read (an unregistered tag read with a plate too).
        bills.push({ plate: f.plate, settlementId, vehicleClass: f.toll.vehicleClass, tollTenths: f.toll.payableTenths });
      }
    }
    r.plateBills += await createPlateBills(tx, day, ctx.dueDays, bills);
  }

  if (changed.length) {
    const cols = (f: (x: (typeof changed)[number]) => unknown) => changed.map(f);
    await tx.query(
      `update settlements s set vehicle_class = u.vehicle_class, tariff_id = u.tariff_id, passages = u.passages,
              posted_total_tenths = u.posted, free_tenths = u.free, long_discount_tenths = u.long, special_discount_tenths = u.special,
              single_rate_day = u.single_rate, payable_tenths = u.payable, congestion_tenths = u.congestion, revision = s.revision + 1, run_id = $12,
              computed_at = now()
         from unnest($1::bigint[], $2::smallint[], $3::bigint[], $4::int[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::boolean[], $10::bigint[],
                     $11::bigint[])
              as u(id, vehicle_class, tariff_id, passages, posted, free, long, special, single_rate, payable, congestion)
        where s.id = u.id`,
      [cols((x) => x.old.id), ...tollArrays(changed.map((x) => x.v.toll)), runId],
    );
    r.revised = changed.length;
    for (const { old, v } of changed) {
      const diff = v.toll.payableTenths - old.payable_tenths;
      if (diff === 0) continue;
      r.adjustments++;
      r.adjustmentTenths += diff;
      if (old.account_id !== null) {
        postings.push({
          accountId: old.account_id,
          kind: "toll_adjustment",
          amountTenths: -diff,
          settlementId: old.id,
          description: `re-rated toll ${day}, revision ${old.revision + 1}`,
        });
      } else if (v.plate) {
        // Re-rated plate bills are few: one at a time, with their history.
        if (
          await billPlateDay(tx, {
            plate: v.plate,
            day,
            settlementId: old.id,
            vehicleClass: v.toll.vehicleClass,
            tollTenths: v.toll.payableTenths,
            dueDays: ctx.dueDays,
          })
        )
          r.plateBills++;
      }
    }
  }
  await postToAccounts(tx, postings);
  return r;
}

/** The priced columns of settlements as unnest arrays, in the column order both writes use. */
function tollArrays(tolls: readonly DailyToll[]): unknown[][] {
  return [
    tolls.map((t) => t.vehicleClass),
    tolls.map((t) => t.tariffId),
    tolls.map((t) => t.passages),
    tolls.map((t) => t.postedTotalTenths),
    tolls.map((t) => t.freeTenths),
    tolls.map((t) => t.longDiscountTenths),
    tolls.map((t) => t.specialDiscountTenths),
    tolls.map((t) => t.singleRateDay),
    tolls.map((t) => t.payableTenths),
    tolls.map((t) => t.congestionTenths),
  ];
}

function sameResult(old: ExistingSettlement, t: DailyToll): boolean {
  return (
    old.payable_tenths === t.payableTenths &&
    old.posted_total_tenths === t.postedTotalTenths &&
    old.congestion_tenths === t.congestionTenths &&
    old.passages === t.passages &&
    old.free_tenths === t.freeTenths &&
    old.long_discount_tenths === t.longDiscountTenths &&
    old.special_discount_tenths === t.specialDiscountTenths &&
    old.single_rate_day === t.singleRateDay &&
    old.tariff_id === t.tariffId &&
    old.vehicle_class === t.vehicleClass
  );
}
