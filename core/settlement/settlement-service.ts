import type { Database, Queryable } from "../db/database.ts";
import { TollwayError } from "../errors/tollway-error.ts";
import { silentLogger, type Logger } from "../log/logger.ts";
import { priceDay, type DailyToll } from "../tariff/daily-toll.ts";
import { isLocalDay, LocalCalendar } from "../time/local-time.ts";
import { TariffCatalog } from "../tariff/tariff-catalog.ts";
import { postToAccounts, type LedgerPosting } from "./ledger.ts";
import { billPlateDay, createPlateBills, type NewPlateBill } from "./plate-bills.ts";

/**
 * Daily settlement: for one LOCAL day, one settlements row per vehicle (vehicle_key: the vehicle the
 * ingest resolved each read to, README "Vehicle identity"), priced by the tariff engine. A vehicle
 * with an account is charged to it; without one it is billed by the plate read.
 *
 * Exactly-once money:
 * - a new settlement posts ONE 'toll' ledger entry (a unique index on (settlement_id, kind='toll')
 *   backs this up) or, for plate-only vehicles, one plate bill;
 * - re-running a day recomputes every vehicle; an unchanged result writes nothing;
 * - a changed result (late passages, a corrected tariff) updates the row with revision + 1 and posts
 *   only the difference as a 'toll_adjustment' entry (or re-rates the plate bill).
 * Runs of the same day are serialised by a transaction-scoped advisory lock; the whole day commits
 * or nothing does. Each run leaves a settlement_runs row (status, counts, error, real start and end).
 * A run whose process dies mid-run rolls back; its row, still 'running', is shown as failed
 * ("abandoned") as soon as its connection is gone (its session lock is released with it), and the next
 * run of any day records it so. The day can simply be run again. (Embedded PGlite: see runDay.)
 */
export interface SettlementRunResult {
  runId: number;
  localDay: string;
  vehicles: number;
  created: number;
  revised: number;
  unchanged: number;
  payableTenths: number;
  adjustments: number;
  adjustmentTenths: number;
  plateBills: number;
}

export interface RunOptions {
  triggeredBy: string;
  /** Called inside the day's transaction after all writes, before it commits (the gateway records its audit row here). */
  beforeCommit?: (tx: Queryable, result: SettlementRunResult) => Promise<void>;
}

export interface SettlementServiceOptions {
  timeZone: string;
  logger?: Logger;
  /** Decides which days are over; tests pin it. */
  clock?: () => Date;
}

interface PassageRow extends Record<string, unknown> {
  vehicle_key: string;
  ts: Date;
  gantry_id: string;
  tag_id: string | null;
  plate: string | null;
  vehicle_class: number;
  account_id: number | null;
}

interface SettlementRow extends Record<string, unknown> {
  id: number;
  vehicle_key: string;
  account_id: number | null;
  plate: string | null;
  tariff_id: number | null;
  vehicle_class: number;
  passages: number;
  posted_total_tenths: number;
  free_tenths: number;
  long_discount_tenths: number;
  special_discount_tenths: number;
  single_rate_day: boolean;
  payable_tenths: number;
  revision: number;
}

const LOCK_NAMESPACE = 7_462_250;
/** Advisory lock (RUN_LOCK, run id) held by the session of a run while it runs (run ids fit an int4 for ~2 billion runs). */
const RUN_LOCK = 7_462_252;
/** The error of a run whose process ended mid-run (also what the read side reports for it). */
export const ABANDONED = "abandoned: the process running it ended before it finished";
/** For a settlement_runs row `r`: nobody holds its lock, so a 'running' row's process is gone. */
export const OWNER_GONE = `not exists (select 1 from pg_locks l where l.locktype = 'advisory' and l.granted
    and l.database = (select oid from pg_database where datname = current_database())
    and l.classid = ${RUN_LOCK} and l.objid = r.id::oid and l.objsubid = 2)`;

export class SettlementService {
  private readonly calendar: LocalCalendar;
  private readonly logger: Logger;
  private readonly clock: () => Date;

  constructor(
    private readonly db: Database,
    opts: SettlementServiceOptions,
  ) {
    this.calendar = new LocalCalendar(opts.timeZone);
    this.logger = opts.logger ?? silentLogger;
    this.clock = opts.clock ?? (() => new Date());
  }

  async runDay(day: string, opts: RunOptions): Promise<SettlementRunResult> {
    if (!isLocalDay(day))
      throw new TollwayError("bad_request", `not a calendar day: ${day}`, { fields: [{ field: "body.day", message: "must be YYYY-MM-DD" }] });
    const { start, end } = this.calendar.dayBounds(day);
    if (end.getTime() > this.clock().getTime()) {
      throw new TollwayError("unprocessable", `${day} is not over yet in ${this.calendar.timeZone}; a day is settled after its local midnight`, {
        fields: [{ field: "body.day", message: "day not over yet" }],
      });
    }
    // The run's session holds the advisory lock (RUN_LOCK, id) from before its row exists until it
    // ends, and its row is written first, so a run shows as 'running' while it runs; a dead process's
    // connection drops the lock, which is how its row is known to be abandoned.
    return this.db.session(async (s) => {
      const { id } = await s.one<{ id: number }>("select nextval(pg_get_serial_sequence('settlement_runs', 'id')) as id");
      const begin = async (q: Queryable) => {
        await q.query("insert into settlement_runs (id, local_day, triggered_by, started_at) values ($1, $2::date, $3, clock_timestamp())", [
          id,
          day,
          opts.triggeredBy,
        ]);
        const reaped = await q.query<{ id: number }>(
          `update settlement_runs r set status = 'failed', error = $1, finished_at = clock_timestamp() where r.status = 'running' and ${OWNER_GONE} returning id`,
          [ABANDONED],
        );
        if (reaped.length > 0) this.logger.warn("settlement: runs abandoned by their process marked failed", { runIds: reaped.map((r) => r.id) });
      };
      await s.query("select pg_advisory_lock($1, $2::int)", [RUN_LOCK, id]);
      await begin(s).catch(async (e) => {
        await s.query("select pg_advisory_unlock($1, $2::int)", [RUN_LOCK, id]).catch(() => undefined);
        throw e;
      });
      const started = performance.now();
      try {
        const result = await s.tx(async (tx) => {
          await tx.query("select pg_advisory_xact_lock($1, hashtext($2))", [LOCK_NAMESPACE, day]);
          const r = await this.settle(tx, id, day, start, end);
          // clock_timestamp(): now() is the transaction's start, which would make every run last ~0 s.
          await tx.query(
            "update settlement_runs set status = 'done', vehicles = $2, payable_tenths = $3, adjustments = $4, finished_at = clock_timestamp() where id = $1",
            [id, r.vehicles, r.payableTenths, r.adjustments],
          );
          await opts.beforeCommit?.(tx, r);
          return r;
        });
        this.logger.info("settlement: day settled", { ...result, ms: Math.round(performance.now() - started) });
        return result;
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        await this.db
          .query(
            `insert into settlement_runs (id, local_day, triggered_by, status, error, finished_at) values ($1, $2::date, $3, 'failed', $4, clock_timestamp())
             on conflict (id) do update set status = 'failed', error = excluded.error, finished_at = excluded.finished_at`,
            [id, day, opts.triggeredBy, message],
          )
          .catch(() => undefined);
        this.logger.error("settlement: run failed", { day, runId: id, err: message });
        throw e;
      } finally {
        await s.query("select pg_advisory_unlock($1, $2::int)", [RUN_LOCK, id]).catch(() => undefined);
      }
    });
  }

  private async settle(tx: Queryable, runId: number, day: string, start: Date, end: Date): Promise<SettlementRunResult> {
    // The account at read time when the ingest knew it, else the tag's current account, else (no tag
    // read) the account of the registered plate.
    const passages = await tx.query<PassageRow>(
      `select coalesce(p.vehicle_key, p.tag_id, 'plate:' || p.plate) as vehicle_key,
              p.ts, p.gantry_id, p.tag_id, p.plate, p.vehicle_class,
              -- A resolved passage names its payer (none: billed by plate, e.g. a hotlisted tag's read).
              case when p.vehicle_key is null then coalesce(p.account_id, t.account_id, v.account_id) else p.account_id end as account_id
         from passages p left join tags t on t.id = p.tag_id
         left join vehicles v on p.tag_id is null and v.plate = p.plate
        where p.ts >= $1 and p.ts < $2
        order by p.ts, p.id`,
      [start, end],
    );
    const catalog = new TariffCatalog(tx);
    const tariffs = await catalog.tariffsFor(start, end);
    const special = await catalog.specialDays(day, day);
    const existing = new Map(
      (
        await tx.query<SettlementRow>(
          `select id, vehicle_key, account_id, plate, tariff_id, vehicle_class, passages, posted_total_tenths, free_tenths,
                  long_discount_tenths, special_discount_tenths, single_rate_day, payable_tenths, revision
             from settlements where local_day = $1::date`,
          [day],
        )
      ).map((r) => [r.vehicle_key, r]),
    );
    const policy = await tx.one<{ due_days: number }>("select due_days from plate_billing_policy where id");

    const vehicles = new Map<string, PassageRow[]>();
    for (const p of passages) {
      // The vehicle the ingest resolved the read to (its tag and plate reads alike, README "Vehicle identity").
      const key = p.vehicle_key;
      let list = vehicles.get(key);
      if (!list) vehicles.set(key, (list = []));
      list.push(p);
    }

    const r: SettlementRunResult = {
      runId,
      localDay: day,
      vehicles: vehicles.size,
      created: 0,
      revised: 0,
      unchanged: 0,
      payableTenths: 0,
      adjustments: 0,
      adjustmentTenths: 0,
      plateBills: 0,
    };
    const fresh: { key: string; toll: DailyToll; tagId: string | null; plate: string | null; accountId: number | null }[] = [];
    const changed: { old: SettlementRow; toll: DailyToll; tagId: string | null; plate: string | null }[] = [];
    for (const [key, list] of vehicles) {
      const toll = priceDay(
        list.map((p) => ({ ts: p.ts, gantryId: p.gantry_id, vehicleClass: p.vehicle_class })),
        tariffs,
        special,
        this.calendar,
      );
      r.payableTenths += toll.payableTenths;
      const tagId = list.find((p) => p.tag_id)?.tag_id ?? null;
      const plate = list.find((p) => p.plate)?.plate ?? null;
      const old = existing.get(key);
      if (!old) {
        // A registered plate read without its tag is charged to its account; unregistered plates are billed.
        const accountId = list.find((p) => p.account_id !== null)?.account_id ?? null;
        fresh.push({ key, toll, tagId, plate, accountId });
      } else if (sameResult(old, toll)) {
        r.unchanged++;
      } else {
        changed.push({ old, toll, tagId, plate });
      }
    }

    const postings: LedgerPosting[] = [];
    if (fresh.length) {
      const cols = (f: (x: (typeof fresh)[number]) => unknown) => fresh.map(f);
      const ids = await tx.query<{ id: number; vehicle_key: string }>(
        `insert into settlements (local_day, vehicle_key, tag_id, plate, account_id, vehicle_class, tariff_id, passages, posted_total_tenths,
                                  free_tenths, long_discount_tenths, special_discount_tenths, single_rate_day, payable_tenths, run_id)
         select $1::date, * , $15::bigint from unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::smallint[], $7::bigint[], $8::int[],
                                    $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[], $13::boolean[], $14::bigint[])
         returning id, vehicle_key`,
        [day, cols((x) => x.key), cols((x) => x.tagId), cols((x) => x.plate), cols((x) => x.accountId), ...tollArrays(fresh.map((x) => x.toll)), runId],
      );
      const idOf = new Map(ids.map((x) => [x.vehicle_key, x.id]));
      r.created = fresh.length;
      const bills: NewPlateBill[] = [];
      for (const f of fresh) {
        const settlementId = idOf.get(f.key)!;
        if (f.accountId !== null) {
          postings.push({ accountId: f.accountId, kind: "toll", amountTenths: -f.toll.payableTenths, settlementId, description: `toll ${day}` });
        } else if (f.plate && f.toll.payableTenths > 0) {
          // Nobody's account: billed by the plate read (an unregistered tag read with a plate too).
          bills.push({ plate: f.plate, settlementId, vehicleClass: f.toll.vehicleClass, tollTenths: f.toll.payableTenths });
        }
      }
      r.plateBills += await createPlateBills(tx, day, policy.due_days, bills);
    }

    if (changed.length) {
      const cols = (f: (x: (typeof changed)[number]) => unknown) => changed.map(f);
      await tx.query(
        `update settlements s set vehicle_class = u.vehicle_class, tariff_id = u.tariff_id, passages = u.passages,
                posted_total_tenths = u.posted, free_tenths = u.free, long_discount_tenths = u.long, special_discount_tenths = u.special,
                single_rate_day = u.single_rate, payable_tenths = u.payable, revision = s.revision + 1, run_id = $11, computed_at = now()
           from unnest($1::bigint[], $2::smallint[], $3::bigint[], $4::int[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::boolean[], $10::bigint[])
                as u(id, vehicle_class, tariff_id, passages, posted, free, long, special, single_rate, payable)
          where s.id = u.id`,
        [cols((x) => x.old.id), ...tollArrays(changed.map((x) => x.toll)), runId],
      );
      r.revised = changed.length;
      for (const { old, toll, tagId, plate } of changed) {
        const diff = toll.payableTenths - old.payable_tenths;
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
        } else if (plate) {
          // Re-rated plate bills are few: one at a time, with their history.
          if (
            await billPlateDay(tx, {
              plate,
              day,
              settlementId: old.id,
              vehicleClass: toll.vehicleClass,
              tollTenths: toll.payableTenths,
              dueDays: policy.due_days,
            })
          )
            r.plateBills++;
        }
      }
    }
    await postToAccounts(tx, postings);
    return r;
  }
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
  ];
}

function sameResult(old: SettlementRow, t: DailyToll): boolean {
  return (
    old.payable_tenths === t.payableTenths &&
    old.posted_total_tenths === t.postedTotalTenths &&
    old.passages === t.passages &&
    old.free_tenths === t.freeTenths &&
    old.long_discount_tenths === t.longDiscountTenths &&
    old.special_discount_tenths === t.specialDiscountTenths &&
    old.single_rate_day === t.singleRateDay &&
    old.tariff_id === t.tariffId &&
    old.vehicle_class === t.vehicleClass
  );
}
