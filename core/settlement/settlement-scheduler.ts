import type { Database } from "../db/database.ts";
import { silentLogger, type Logger } from "../log/logger.ts";
import { addDays, LocalCalendar } from "../time/local-time.ts";
import { PlateBillService } from "./plate-bills.ts";
import type { SettlementService } from "./settlement-service.ts";

/**
 * Settles yesterday automatically once the local day is over (plus a grace period for late reads),
 * then escalates unpaid plate bills as of today. Missed days (the gateway was down over midnight)
 * are caught up, oldest first, up to `maxCatchUpDays` back from yesterday; with no run on record it
 * starts at yesterday (older days are settled on purpose, through POST /v1/settlements/run).
 *
 * Late passages: a settled day whose passages were stored after its last scheduled run began
 * (passage_days against settlement_day_marks, sql/663) is settled again, however old it is; the run
 * posts only the difference. Days settled only by hand have no mark and are run once more.
 *
 * Several gateway instances may each run a scheduler: with a lease only one of them works; without,
 * runs of a day are still serialised in the database and a second run of a settled day changes nothing.
 */
export interface SettlementSchedulerOptions {
  timeZone: string;
  clock?: () => Date;
  logger?: Logger;
  /** How often to look at the clock. */
  checkEveryMs?: number;
  /** Wait this long after local midnight before settling the day that ended. */
  graceMs?: number;
  maxCatchUpDays?: number;
  /** With several gateways: only the holder of the lease settles and escalates (core/db/leader-lease.ts). */
  lease?: { hold(): Promise<boolean> };
}

export interface TickReport {
  settled: string[];
  /** Settled days run again because passages of them arrived after their run. */
  resettled: string[];
  escalated: boolean;
}

export class SettlementScheduler {
  private readonly clock: () => Date;
  private readonly calendar: LocalCalendar;
  private readonly logger: Logger;
  private readonly checkEveryMs: number;
  private readonly graceMs: number;
  private readonly maxCatchUpDays: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<TickReport> | undefined;
  private stopped = true;
  /** Set by stop(): a catch-up in progress ends after the current day. */
  private stopping = false;
  private lastEscalation: string | undefined;

  constructor(
    private readonly db: Database,
    private readonly settlement: SettlementService,
    private readonly opts: SettlementSchedulerOptions,
  ) {
    this.clock = opts.clock ?? (() => new Date());
    this.calendar = new LocalCalendar(opts.timeZone);
    this.logger = opts.logger ?? silentLogger;
    this.checkEveryMs = opts.checkEveryMs ?? 60_000;
    this.graceMs = opts.graceMs ?? 10 * 60_000;
    this.maxCatchUpDays = opts.maxCatchUpDays ?? 7;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.stopping = false;
    const loop = () => {
      if (this.stopped) return;
      this.tick()
        .catch((e) => this.logger.error("settlement scheduler: tick failed", { err: e }))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(loop, this.checkEveryMs);
        });
    };
    loop();
  }

  /** Stops the timer and waits for a run in progress to finish (it is one transaction per day). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One look at the clock: settle the days that are due, then escalate. Never overlaps itself. */
  tick(): Promise<TickReport> {
    this.running ??= this.doTick().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** The days that are over (with grace) and not yet settled, oldest first. */
  async dueDays(): Promise<string[]> {
    const now = this.clock();
    // The latest day whose end + grace has passed.
    let lastOver = addDays(this.calendar.day(now), -1);
    if (this.calendar.midnight(addDays(lastOver, 1)).getTime() + this.graceMs > now.getTime()) lastOver = addDays(lastOver, -1);
    const done = await this.db.maybeOne<{ day: string | null }>("select max(local_day)::text as day from settlement_runs where status = 'done'");
    const oldest = addDays(lastOver, -(this.maxCatchUpDays - 1));
    let from = done?.day ? addDays(done.day, 1) : lastOver;
    if (from < oldest) from = oldest;
    const days: string[] = [];
    for (let d = from; d <= lastOver; d = addDays(d, 1)) days.push(d);
    return days;
  }

  /** Settled days with passages stored after their last scheduled run began, oldest first. */
  async lateDays(): Promise<string[]> {
    const today = this.calendar.day(this.clock());
    const rows = await this.db.query<{ day: string }>(
      `select distinct d.local_day::text as day from passage_days d
        where d.local_day < $1::date
          and exists (select 1 from settlement_runs r where r.local_day = d.local_day and r.status = 'done')
          and not exists (select 1 from settlement_day_marks m where m.local_day = d.local_day and pg_visible_in_snapshot(d.changed_xid, m.seen))
        order by 1`,
      [today],
    );
    return rows.map((r) => r.day);
  }

  /** Runs a day and notes what the run saw: every transaction committed before it began (a snapshot taken first). */
  private async run(day: string, triggeredBy: string): Promise<void> {
    const { seen } = await this.db.one<{ seen: string }>("select pg_current_snapshot()::text as seen");
    await this.settlement.runDay(day, { triggeredBy });
    await this.db.query(
      `insert into settlement_day_marks (local_day, seen) values ($1::date, $2::pg_snapshot)
       on conflict (local_day) do update set seen = excluded.seen`,
      [day, seen],
    );
  }

  private async doTick(): Promise<TickReport> {
    const settled: string[] = [];
    const resettled: string[] = [];
    if (this.opts.lease && !(await this.opts.lease.hold())) return { settled, resettled, escalated: false };
    for (const day of await this.dueDays()) {
      if (this.stopping) break;
      await this.run(day, "schedule");
      settled.push(day);
    }
    for (const day of await this.lateDays()) {
      if (this.stopping) break;
      await this.run(day, "schedule: late passages");
      resettled.push(day);
    }
    if (resettled.length) this.logger.info("settlement: days settled again for late passages", { days: resettled });
    const today = this.calendar.day(this.clock());
    let escalated = false;
    if (this.lastEscalation !== today) {
      const r = await this.db.tx((tx) => new PlateBillService(tx).escalate(tx, today));
      this.lastEscalation = today;
      escalated = true;
      if (r.notices + r.fees + r.fines > 0) this.logger.info("plate bills escalated", { ...r });
    }
    return { settled, resettled, escalated };
  }
}
