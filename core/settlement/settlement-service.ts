import type { Database, Queryable } from "../db/database.ts";
import { TollwayError } from "../errors/tollway-error.ts";
import { silentLogger, type Logger } from "../log/logger.ts";
import { priceDay } from "../tariff/daily-toll.ts";
import { isLocalDay, LocalCalendar } from "../time/local-time.ts";
import { TariffCatalog } from "../tariff/tariff-catalog.ts";
import { type DayVehicle, streamDayVehicles } from "./day-vehicles.ts";
import { addCounts, noCounts, settleVehicles, type ExistingSettlement, type PricedVehicle, type SettleCounts } from "./settle-vehicles.ts";

/**
 * Daily settlement: for one LOCAL day, one settlements row per vehicle (vehicle_key = tag id, or
 * 'plate:' || plate when the passages have no tag), priced by the tariff engine. Passages without a
 * tag whose plate is registered (vehicles) are charged to that account like a tag; only unregistered
 * plates get plate bills.
 *
 * Exactly-once money:
 * - a new settlement posts ONE 'toll' ledger entry (a unique index on (settlement_id, kind='toll')
 *   backs this up) or, for plate-only vehicles, one plate bill;
 * - re-running a day recomputes every vehicle; an unchanged result writes nothing;
 * - a changed result (late passages, a corrected tariff) updates the row with revision + 1 and posts
 *   only the difference as a 'toll_adjustment' entry (or re-rates the plate bill).
 *
 * Bounded memory: the day's passages stream from a server-side cursor in vehicle-key order
 * (day-vehicles.ts); each range of vehicles commits in its own transaction together with the run's
 * progress and checkpoint (the last key settled), so at most two ranges are in memory (one priced
 * while the previous one is written). Runs of the same day are serialised by a session advisory lock
 * on the day. A run whose process dies keeps what it committed; its row, still 'running', is shown as
 * failed ("abandoned") as soon as its connection is gone (its session locks go with it), and the next
 * run of the day resumes after its checkpoint (resumed_from names it). Each run leaves a
 * settlement_runs row (status, progress, counts, error, real start and end).
 */
export interface SettlementRunResult extends SettleCounts {
  runId: number;
  localDay: string;
  /** Passages this run read (a resumed run: those after its checkpoint). */
  passages: number;
  /** The failed run whose checkpoint this run resumed after, if any. */
  resumedFrom: number | null;
}

export interface RunOptions {
  triggeredBy: string;
  /** Aborted: the run stops between two key ranges, as failed, and the next run resumes after its checkpoint. */
  signal?: AbortSignal;
}

/** A started run: its id (its row exists, 'running'), and its end. */
export interface StartedRun {
  runId: number;
  done: Promise<SettlementRunResult>;
}

export interface SettlementServiceOptions {
  timeZone: string;
  logger?: Logger;
  /** Decides which days are over; tests pin it. */
  clock?: () => Date;
  /** Passages fetched from the day's cursor at a time (a key range is the vehicles they complete); default 50 000. */
  fetchPassages?: number;
  /**
   * 2 (default): the cursor reads on a second connection while the run's connection writes range by
   * range. 1: for a server that takes one connection at a time (the PGlite TimescaleDB test server):
   * the day is read and written in one transaction on the run's connection, so a killed run resumes
   * nothing (it rolls back whole), still in bounded memory.
   */
  connections?: 1 | 2;
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
  private readonly fetchPassages: number;
  private readonly connections: 1 | 2;

  constructor(
    private readonly db: Database,
    opts: SettlementServiceOptions,
  ) {
    this.calendar = new LocalCalendar(opts.timeZone);
    this.logger = opts.logger ?? silentLogger;
    this.clock = opts.clock ?? (() => new Date());
    this.fetchPassages = opts.fetchPassages ?? 50_000;
    this.connections = opts.connections ?? 2;
  }

  /** Settles (or re-rates) one day and waits for the end of the run. */
  async runDay(day: string, opts: RunOptions): Promise<SettlementRunResult> {
    return (await this.start(day, opts)).done;
  }

  /**
   * Starts a run of one day: resolves once its row exists ('running', readable by id), while the run
   * goes on (`done`). A bad or unfinished day is refused here, before any row.
   */
  async start(day: string, opts: RunOptions): Promise<StartedRun> {
    if (!isLocalDay(day))
      throw new TollwayError("bad_request", `not a calendar day: ${day}`, { fields: [{ field: "body.day", message: "must be YYYY-MM-DD" }] });
    const { end } = this.calendar.dayBounds(day);
    if (end.getTime() > this.clock().getTime()) {
      throw new TollwayError("unprocessable", `${day} is not over yet in ${this.calendar.timeZone}; a day is settled after its local midnight`, {
        fields: [{ field: "body.day", message: "day not over yet" }],
      });
    }
    let started!: (id: number) => void;
    let failedToStart!: (e: unknown) => void;
    const runId = new Promise<number>((resolve, reject) => {
      started = resolve;
      failedToStart = reject;
    });
    const done = this.run(day, opts, started);
    done.catch(failedToStart);
    return { runId: await runId, done };
  }

  private async reap(q: Queryable): Promise<void> {
    const reaped = await q.query<{ id: number }>(
      `update settlement_runs r set status = 'failed', error = $1, finished_at = clock_timestamp() where r.status = 'running' and ${OWNER_GONE} returning id`,
      [ABANDONED],
    );
    if (reaped.length > 0) this.logger.warn("settlement: runs abandoned by their process marked failed", { runIds: reaped.map((r) => r.id) });
  }

  private run(day: string, opts: RunOptions, started: (id: number) => void): Promise<SettlementRunResult> {
    // The run's session holds the advisory lock (RUN_LOCK, id) from before its row exists until it
    // ends, and its row is written first, so a run shows as 'running' while it runs; a dead process's
    // connection drops the lock, which is how its row is known to be abandoned.
    return this.db.session(async (s) => {
      const { id } = await s.one<{ id: number }>("select nextval(pg_get_serial_sequence('settlement_runs', 'id')) as id");
      await s.query("select pg_advisory_lock($1, $2::int)", [RUN_LOCK, id]);
      try {
        await s.query("insert into settlement_runs (id, local_day, triggered_by, started_at) values ($1, $2::date, $3, clock_timestamp())", [
          id,
          day,
          opts.triggeredBy,
        ]);
        await this.reap(s);
      } catch (e) {
        await s.query("select pg_advisory_unlock($1, $2::int)", [RUN_LOCK, id]).catch(() => undefined);
        throw e;
      }
      started(id);
      const t0 = performance.now();
      let dayLocked = false;
      try {
        await s.query("select pg_advisory_lock($1, hashtext($2))", [LOCK_NAMESPACE, day]);
        dayLocked = true;
        const result = await this.settle(s, id, day, opts.signal);
        // clock_timestamp(): now() would be the statement's start.
        await s.query("update settlement_runs set status = 'done', finished_at = clock_timestamp() where id = $1", [id]);
        this.logger.info("settlement: day settled", { ...result, ms: Math.round(performance.now() - t0) });
        return result;
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        await this.db
          .query("update settlement_runs set status = 'failed', error = $2, finished_at = clock_timestamp() where id = $1", [id, message])
          .catch(() => undefined);
        this.logger.error("settlement: run failed", { day, runId: id, err: message });
        throw e;
      } finally {
        if (dayLocked) await s.query("select pg_advisory_unlock($1, hashtext($2))", [LOCK_NAMESPACE, day]).catch(() => undefined);
        await s.query("select pg_advisory_unlock($1, $2::int)", [RUN_LOCK, id]).catch(() => undefined);
      }
    });
  }

  /** Under the day's lock: resume after a failed predecessor's checkpoint, stream the day, commit range by range. */
  private async settle(
    s: Queryable & { tx<R>(f: (tx: Queryable) => Promise<R>): Promise<R> },
    runId: number,
    day: string,
    signal: AbortSignal | undefined,
  ): Promise<SettlementRunResult> {
    const { start, end } = this.calendar.dayBounds(day);
    // A predecessor that died while holding the day's lock is gone now: write it down before looking.
    await this.reap(s);
    const previous = await s.maybeOne<{ id: number; status: string; resume_key: string | null }>(
      "select id, status, resume_key from settlement_runs where local_day = $1::date and id <> $2 and status <> 'running' order by id desc limit 1",
      [day, runId],
    );
    const resume = previous?.status === "failed" && previous.resume_key !== null ? previous : undefined;
    const total = await s.one<{ n: number }>(`select count(*)::bigint as n from passages p where p.ts >= $1 and p.ts < $2`, [start, end]);
    await s.query("update settlement_runs set passages_total = $2, resume_key = $3, resumed_from = $4 where id = $1", [
      runId,
      total.n,
      resume?.resume_key ?? null,
      resume?.id ?? null,
    ]);
    if (resume) this.logger.info("settlement: resuming after a failed run's checkpoint", { day, runId, resumedFrom: resume.id });

    const catalog = new TariffCatalog(s);
    const tariffs = await catalog.tariffsFor(start, end);
    const special = await catalog.specialDays(day, day);
    const congestion = await catalog.congestionPrices(start, end);
    const { due_days: dueDays } = await s.one<{ due_days: number }>("select due_days from plate_billing_policy where id");

    const counts = noCounts();
    let passages = 0;
    const range = { day, start, end, afterKey: resume?.resume_key ?? null, fetchRows: this.fetchPassages };
    const price = (vehicles: DayVehicle[]): PricedVehicle[] =>
      vehicles.map((v) => ({
        key: v.key,
        tagId: v.tagId,
        plate: v.plate,
        accountId: v.accountId,
        toll: priceDay(v.passages, tariffs, special, this.calendar, congestion),
      }));
    /** One range's writes and the run's progress and checkpoint, in the caller's transaction. */
    const settleRange = async (tx: Queryable, priced: PricedVehicle[], n: number, existing: ExistingSettlement[]) => {
      const c = await settleVehicles(tx, { day, runId, dueDays }, priced, existing);
      await tx.query(
        `update settlement_runs set vehicles = vehicles + $2, passages_done = passages_done + $3, created = created + $4, revised = revised + $5,
                unchanged = unchanged + $6, payable_tenths = payable_tenths + $7, adjustments = adjustments + $8,
                adjustment_tenths = adjustment_tenths + $9, plate_bills = plate_bills + $10, resume_key = $11
          where id = $1`,
        [runId, c.vehicles, n, c.created, c.revised, c.unchanged, c.payableTenths, c.adjustments, c.adjustmentTenths, c.plateBills, priced.at(-1)!.key],
      );
      addCounts(counts, c);
      passages += n;
    };
    const stopIfAsked = () => {
      if (signal?.aborted) throw new TollwayError("unprocessable", "stopped before the end of the day: the next run resumes after its checkpoint");
    };
    if (this.connections === 1) {
      await s.tx((tx) =>
        streamDayVehicles(tx, range, async (vehicles, n, existing) => {
          stopIfAsked();
          await settleRange(tx, price(vehicles), n, existing);
        }),
      );
      return { runId, localDay: day, passages, resumedFrom: resume?.id ?? null, ...counts };
    }
    // One range is written (on the run's session, a transaction each) while the next one is read and priced.
    let writing: Promise<void> = Promise.resolve();
    await this.db.session((reader) =>
      reader.tx((rtx) =>
        streamDayVehicles(rtx, range, async (vehicles, n, existing) => {
          const priced = price(vehicles);
          await writing;
          stopIfAsked();
          writing = s.tx((tx) => settleRange(tx, priced, n, existing));
          writing.catch(() => undefined);
        }).finally(() => writing),
      ),
    );
    await writing;
    return { runId, localDay: day, passages, resumedFrom: resume?.id ?? null, ...counts };
  }
}
