import type { Database } from "../../core/db/database.ts";
import { seedIngestTablesWithSql } from "./seed-ingest-sql.ts";
import { pickGantries, seedControlAndBilling } from "./seed-sql.ts";

export interface SeedReport {
  gantries: string[];
  passages: number;
  /** How the ingest's tables were filled. */
  ingestPath: "ingest" | "sql";
}

/** Everything the dashboards show, within the six hours before `now`. */
export async function seedDashboardData(db: Database, now: Date): Promise<SeedReport> {
  const gantries = await pickGantries(db, 4);
  const scope = { now, gantries };
  await seedIngestTablesWithSql(db, scope);
  await seedControlAndBilling(db, scope);
  const passages = (await db.one<{ n: number }>("select count(*)::int as n from passages")).n;
  return { gantries, passages, ingestPath: "sql" };
}
