import { Migrator, defaultSqlDir } from "../core/migrate/migrator.ts";
import { Seeder } from "../core/seed/seeder.ts";
import { definePanelQuerySuite } from "./support/dashboards/panel-query-suite.ts";
import { startTimescale } from "./support/timescale.ts";

// TimescaleDB 2.23 (PGlite build): hypertables, continuous aggregates, and time_bucket in $__timeGroup.
definePanelQuerySuite({
  label: "TimescaleDB",
  timescaledb: true,
  intervalMs: 600_000,
  // The TimescaleDB PGlite build drops the connection on very large unnest inserts: keep transactions small.
  seed: { maxGroupReads: 1000 },
  async open() {
    const server = await startTimescale();
    const setup = server.database();
    const report = await new Migrator({ db: setup, sqlDir: defaultSqlDir, timescaledb: "on", tollTimezone: "Asia/Taipei" }).run();
    if (!report.timescaledb) throw new Error("the TimescaleDB layer was not applied");
    await new Seeder(setup).run();
    await setup.close();
    // One session on PGlite: the ingest and the checks share a single connection.
    const db = server.database();
    return {
      db,
      async close() {
        await db.close();
        await server.stop();
      },
    };
  },
});
