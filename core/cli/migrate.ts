import { Migrator, defaultSqlDir } from "../migrate/migrator.ts";
import { runMain } from "./main.ts";

await runMain("migrate", async ({ config, logger, openDatabase }) => {
  const db = openDatabase();
  try {
    const report = await new Migrator({ db, sqlDir: defaultSqlDir, timescaledb: config.timescaledb, tollTimezone: config.tollTimezone, logger }).run();
    console.log(
      `migrate: ${report.applied.length} applied, ${report.skipped} already applied; TimescaleDB layer ${report.timescaledb ? "on" : "off (extension not available)"}`,
    );
  } finally {
    await db.close();
  }
});
