import { createTestDatabase } from "./support/test-database.ts";
import { definePanelQuerySuite } from "./support/dashboards/panel-query-suite.ts";

// Plain PostgreSQL: the rollups are views and the datasource has timescaledb off.
definePanelQuerySuite({
  label: "PostgreSQL",
  timescaledb: false,
  intervalMs: 300_000,
  async open() {
    const t = await createTestDatabase();
    return { db: t.db, close: () => t.drop() };
  },
});
