import type { Database } from "../db/database.ts";
import { silentLogger, type Logger } from "../log/logger.ts";

export interface IngestBatchRetentionOptions {
  /** Rows received longer ago than this are compacted and deleted (config: INGEST_BATCH_HORIZON_S). */
  horizonSeconds: number;
  /** Rows per transaction, so the ingest's inserts never wait long on the job. */
  chunkRows?: number;
  logger?: Logger;
}

/**
 * Keeps ingest_batches bounded (sql/642_ingest_batch_retention.sql): rows received before the resend
 * horizon are added to ingest_batch_hourly and deleted, a chunk per transaction. The horizon is
 * measured on the database's clock (received_at is its now()). Safe to run from several processes.
 */
export class IngestBatchRetention {
  readonly name = "ingest-batch-retention";
  private readonly chunkRows: number;
  private readonly logger: Logger;

  constructor(
    private readonly db: Database,
    private readonly opts: IngestBatchRetentionOptions,
  ) {
    this.chunkRows = opts.chunkRows ?? 50_000;
    this.logger = opts.logger ?? silentLogger;
  }

  /** The ControlJob entry point: the data clock is not used (the horizon is about wall time). */
  async runOnce(): Promise<void> {
    await this.purge();
  }

  async purge(): Promise<{ deleted: number }> {
    let deleted = 0;
    for (;;) {
      const r = await this.db.one<{ n: number }>(
        `with gone as (
           delete from ingest_batches where ctid = any(array(
             select ctid from ingest_batches where received_at < now() - $1 * interval '1 second' limit $2))
           returning gantry_id, received_at, reads, accepted, rejected, antenna_duplicates),
         hourly as (
           insert into ingest_batch_hourly (gantry_id, hour, batches, reads, accepted, rejected, antenna_duplicates)
           select gantry_id, date_trunc('hour', received_at), count(*), sum(reads), sum(accepted), sum(rejected), sum(antenna_duplicates)
             from gone group by 1, 2
           on conflict (gantry_id, hour) do update set batches = ingest_batch_hourly.batches + excluded.batches,
             reads = ingest_batch_hourly.reads + excluded.reads, accepted = ingest_batch_hourly.accepted + excluded.accepted,
             rejected = ingest_batch_hourly.rejected + excluded.rejected,
             antenna_duplicates = ingest_batch_hourly.antenna_duplicates + excluded.antenna_duplicates)
         select count(*)::int as n from gone`,
        [this.opts.horizonSeconds, this.chunkRows],
      );
      deleted += r.n;
      if (r.n < this.chunkRows) break;
    }
    if (deleted > 0) this.logger.info("ingest batches past the resend horizon compacted", { deleted, horizonSeconds: this.opts.horizonSeconds });
    return { deleted };
  }
}
