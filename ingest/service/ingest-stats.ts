import type { Database } from "../../core/db/database.ts";
import type { Logger } from "../../core/log/logger.ts";
import { quantile } from "../metrics/prometheus.ts";
import type { IngestMetrics } from "./ingest-metrics.ts";

export interface IngestStatsDeps {
  db: Database;
  logger: Logger;
  /** The instance column of the rows. */
  instance: string;
  metrics: IngestMetrics;
  /** Messages received and not yet acked, now. */
  inFlight: () => number;
}

/** Rows of ingest_stats: what changed since the last row, and commit-time quantiles. */
export class IngestStats {
  private commitMs: number[] = [];
  private base = { reads: 0, batches: 0, rejectedReads: 0, rejectedBatches: 0, duplicates: 0 };

  constructor(private readonly deps: IngestStatsDeps) {}

  recordCommit(ms: number): void {
    if (this.commitMs.length < 100_000) this.commitMs.push(ms);
  }

  /** Writes one row; a failure skips it (the next row then covers both periods). */
  async write(): Promise<void> {
    const m = this.deps.metrics;
    const s = {
      reads: m.reads.get({ result: "passage" }) + m.reads.get({ result: "antenna_duplicate" }) + m.reads.get({ result: "rejected" }),
      batches: m.batches.get({ status: "ok" }),
      rejectedReads: m.reads.get({ result: "rejected" }),
      rejectedBatches: m.batches.get({ status: "rejected" }),
      duplicates: m.batches.get({ status: "duplicate" }),
    };
    const b = this.base;
    const sorted = this.commitMs.sort((x, y) => x - y);
    try {
      await this.deps.db.query(
        `insert into ingest_stats (ts, instance, reads, batches, rejected_reads, rejected_batches, duplicates, commit_p50_ms, commit_p99_ms, in_flight)
         values (now(), $1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict do nothing`,
        [
          this.deps.instance,
          s.reads - b.reads,
          s.batches - b.batches,
          s.rejectedReads - b.rejectedReads,
          s.rejectedBatches - b.rejectedBatches,
          s.duplicates - b.duplicates,
          quantile(sorted, 0.5) ?? null,
          quantile(sorted, 0.99) ?? null,
          this.deps.inFlight(),
        ],
      );
      this.base = s;
      this.commitMs = [];
    } catch (e) {
      this.deps.logger.debug("ingest_stats row skipped", { err: String(e) });
    }
  }
}
