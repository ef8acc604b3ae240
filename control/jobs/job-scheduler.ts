import { isTransientDbError } from "../../core/db/database.ts";
import type { Logger } from "../../core/log/logger.ts";
import type { ControlJob } from "./control-job.ts";

/**
 * Runs the control jobs one after the other, every periodMs, aligned to the period plus a small
 * settle delay (so reads of the interval that just closed have arrived). A failing job is logged
 * and retried at the next tick; the watermarks make the retry catch up. Stops between jobs when
 * the signal aborts. With a lease, only the instance holding it runs them (checked every tick).
 */
export interface SchedulerOptions {
  periodMs: number;
  settleMs: number;
  /** The time the jobs compute up to (the wall clock, or the data's clock for replays). */
  clock: () => number | Promise<number>;
  /** With several instances: only the holder of the lease runs the jobs (core/db/leader-lease.ts). */
  lease?: { hold(): Promise<boolean> };
  /** Names the scheduler in its log ("<label> jobs ran"). */
  label: string;
}

export class JobScheduler {
  private readonly opts: SchedulerOptions;

  constructor(
    private readonly jobs: readonly ControlJob[],
    private readonly logger: Logger,
    opts: Partial<SchedulerOptions> = {},
  ) {
    this.opts = { periodMs: 5 * 60_000, settleMs: 20_000, clock: Date.now, label: "control", ...opts };
  }

  /** One pass over all jobs at the given time; returns the names of the jobs that failed. */
  async tick(nowMs: number, signal?: AbortSignal): Promise<string[]> {
    const failed: string[] = [];
    for (const job of this.jobs) {
      if (signal?.aborted) break;
      const started = performance.now();
      try {
        await job.runOnce(nowMs);
        this.logger.debug("job done", { job: job.name, ms: Math.round(performance.now() - started) });
      } catch (e) {
        failed.push(job.name);
        const transient = isTransientDbError(e);
        this.logger[transient ? "warn" : "error"]("job failed", { job: job.name, err: e, transient });
      }
    }
    return failed;
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const period = Math.floor(Date.now() / this.opts.periodMs);
        if (!this.opts.lease || (await this.opts.lease.hold())) {
          const failed = await this.tick(await this.opts.clock(), signal);
          this.logger.info(`${this.opts.label} jobs ran`, { period, failed });
        } else this.logger.debug("another instance leads; not running the jobs");
      } catch (e) {
        this.logger.warn("clock unavailable, skipping this run", { err: e });
      }
      // Ticks follow the wall clock, whatever clock the jobs compute by: the next period boundary
      // plus the settle delay (a delay longer than the period shifts the ticks, never spaces them out).
      const now = Date.now();
      const { periodMs, settleMs } = this.opts;
      const next = Math.floor((now - settleMs) / periodMs) * periodMs + periodMs + settleMs;
      await sleep(next - now, signal);
    }
  }
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
