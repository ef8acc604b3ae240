import type { Logger } from "../log/logger.ts";
import type { SettlementService } from "./settlement-service.ts";

/**
 * Settlement runs started through the API run here, outside any request: `start` returns the run's
 * id as soon as its row exists; `stop` (the gateway shutting down) stops the runs between two key
 * ranges and waits for them; each is then failed with its checkpoint, and the day's next run resumes.
 */
export class SettlementJobs {
  private readonly running = new Set<Promise<unknown>>();
  private readonly abort = new AbortController();

  constructor(
    private readonly service: SettlementService,
    private readonly logger: Logger,
  ) {}

  async start(day: string, triggeredBy: string): Promise<number> {
    const { runId, done } = await this.service.start(day, { triggeredBy, signal: this.abort.signal });
    const job = done
      .catch((e) => this.logger.warn("settlement job ended without finishing its day", { runId, day, err: e instanceof Error ? e.message : String(e) }))
      .finally(() => this.running.delete(job));
    this.running.add(job);
    return runId;
  }

  /** Runs in progress. */
  get size(): number {
    return this.running.size;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all([...this.running]);
  }
}
