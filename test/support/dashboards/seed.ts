import type { Database } from "../../../core/db/database.ts";
import { seedThroughIngest, type IngestSeedReport } from "./seed-ingest.ts";
import { pickGantries, seedControlAndBilling } from "./seed-sql.ts";

export interface SeedReport {
  gantries: string[];
  passages: number;
  ingest: IngestSeedReport;
}

/**
 * Everything the dashboards show, within the six hours before `now`: the ingest's tables through the
 * real ingest, the rest (control, settlement) with SQL in their producers' shapes.
 */
export async function seedDashboardData(db: Database, now: Date, opts: { maxGroupReads?: number } = {}): Promise<SeedReport> {
  const gantries = await pickGantries(db, 4);
  const scope = { now, gantries };
  const ingest = await seedThroughIngest(db, scope, opts);
  // Silence needs five minutes to pass; age the last gantry's liveness instead of waiting.
  await db.query("update gantry_status set last_seen_at = last_seen_at - interval '20 minutes' where gantry_id = $1", [gantries[gantries.length - 1]]);
  await seedControlAndBilling(db, scope);
  const passages = (await db.one<{ n: number }>("select count(*)::int as n from passages")).n;
  return { gantries, passages, ingest };
}
