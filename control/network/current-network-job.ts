import type { Database } from "../../core/db/database.ts";
import { silentLogger, type Logger } from "../../core/log/logger.ts";
import type { ControlJob } from "../jobs/control-job.ts";

/**
 * Makes gantries / road_segments the network version in force now (sql/650 apply_current_network)
 * when the version in force changed, so a version added ahead of its date becomes the current network
 * on time. Wall clock (the database's now()), whatever the data clock: the current tables are about
 * today. Dated work does not need it; it reads the versions themselves.
 */
export class CurrentNetworkJob implements ControlJob {
  readonly name = "network";
  private applied: string | null | undefined;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger = silentLogger,
  ) {}

  async runOnce(): Promise<void> {
    const { v } = await this.db.one<{ v: string | null }>("select network_version_at(now()) as v");
    if (v === this.applied) return;
    // Applying writes the current tables, which reloads the ingest: only when the version moved.
    await this.db.query("select apply_current_network()");
    if (this.applied !== undefined) this.logger.info("current network version applied", { version: v, previous: this.applied });
    this.applied = v;
  }
}
