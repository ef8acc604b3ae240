import { Database } from "../core/db/database.ts";
import { Migrator, defaultSqlDir } from "../core/migrate/migrator.ts";
import { Seeder } from "../core/seed/seeder.ts";
import { definePanelQuerySuite } from "./dashboards/panel-query-suite.ts";
import { startTimescale } from "./support/timescale.ts";

// TimescaleDB 2.23 (PGlite build): hypertables, continuous aggregates, and time_bucket in $__timeGroup.
definePanelQuerySuite({
  label: "TimescaleDB",
  timescaledb: true,
  intervalMs: 600_000,
  async open() {
    const server = await startTimescale();
    const db = new Database({ url: server.url, max: 2 });
    const report = await new Migrator({ db, sqlDir: defaultSqlDir, timescaledb: "on" }).run();
    if (!report.timescaledb) throw new Error("the TimescaleDB layer was not applied");
    await new Seeder(db).run();
    return {
      db,
      async close() {
        await db.close();
        await server.stop();
      },
    };
  },
});
