import type { Database } from "../../core/db/database.ts";
import type { Logger } from "../../core/log/logger.ts";
import type { IngestStats } from "./ingest-stats.ts";

export interface IngestMaintenanceDeps {
  db: Database;
  logger: Logger;
  /** Reloads gantries, tariffs and gantry keys. */
  refreshReference: () => Promise<unknown>;
  /** Reloads the gantry keys only (revocation takes effect within this interval). */
  refreshKeys: () => Promise<unknown>;
  keyRefreshIntervalMs: number;
  stats: IngestStats;
  refreshIntervalMs: number;
  statsIntervalMs: number;
  rangeSummaryIntervalMs: number;
}

/** The ingest's periodic work beside the groups: reference refresh, stats rows, BRIN range summaries, GC. */
export class IngestMaintenance {
  private timers: ReturnType<typeof setInterval>[] = [];
  private summaryWarnedAt = 0;

  constructor(private readonly deps: IngestMaintenanceDeps) {}

  start(): void {
    const d = this.deps;
    this.timers.push(
      setInterval(() => void d.refreshReference().catch((e) => d.logger.warn("reference data refresh failed", { err: String(e) })), d.refreshIntervalMs),
    );
    this.timers.push(
      setInterval(() => void d.refreshKeys().catch((e) => d.logger.warn("gantry key refresh failed", { err: String(e) })), d.keyRefreshIntervalMs),
    );
    this.timers.push(setInterval(() => void d.stats.write(), d.statsIntervalMs));
    // The ts index of passages is BRIN (sql/120): each full range written since the last run gets
    // its min/max now, so time-range queries skip it again instead of reading it. Every second:
    // the work is the same, in small steps (every 10 s, each step's CPU burst raised the ack p99).
    this.timers.push(setInterval(() => void this.summarizePassageRanges(), d.rangeSummaryIntervalMs));
    // The live set is small (~100 MB at full rate) but the allocation rate is GBs a minute; a
    // collection every 5 s keeps the process near its live set instead of letting it grow.
    this.timers.push(setInterval(() => Bun.gc(false), 5000));
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  private async summarizePassageRanges(): Promise<void> {
    try {
      await this.deps.db.query("select summarize_full_passage_ranges()");
    } catch (e) {
      // A lock wait (a vacuum on the table) passes; anything lasting leaves every time-range query
      // reading the unsummarised tail, so say so, once a minute at most.
      const now = Date.now();
      if (now - this.summaryWarnedAt < 60_000) return;
      this.summaryWarnedAt = now;
      this.deps.logger.warn("passage time ranges not summarised (retrying every second)", { err: String(e) });
    }
  }
}
