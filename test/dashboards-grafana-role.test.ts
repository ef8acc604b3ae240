import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Database } from "../core/db/database.ts";
import { Migrator, defaultSqlDir } from "../core/migrate/migrator.ts";
import { startEmbeddedPostgres } from "./support/embedded.ts";
import { adminUrl, createTestDatabase, type TestDatabase } from "./support/test-database.ts";

// The read-only Grafana role (sql/500_grafana_role.sql): cluster-wide, so creating it must be
// idempotent and race-free across the many databases tests migrate at once; it must work on the
// embedded PostgreSQL too.
const roleSql = readFileSync(join(defaultSqlDir, "500_grafana_role.sql"), "utf8");

async function expectReadOnly(db: Database): Promise<void> {
  await db.tx(async (tx) => {
    await tx.query("set local role tollway_grafana");
    expect(await tx.query("select id from gantries limit 1")).toBeArray();
    expect(await tx.query("select * from passages_daily limit 1")).toBeArray();
  });
  for (const sql of ["select * from api_keys", "select * from accounts", "insert into hotspots (from_gantry) values ('x')"]) {
    await expect(
      db.tx(async (tx) => {
        await tx.query("set local role tollway_grafana");
        await tx.query(sql);
      }),
    ).rejects.toThrow(/permission denied/);
  }
}

describe("Grafana read-only role", () => {
  const dbs: TestDatabase[] = [];
  // A role of its own for the race, so it can be dropped afterwards (tollway_grafana has grants in
  // databases other tests own).
  const raceRole = `tollway_grafana_race_${process.pid}`;
  afterAll(async () => {
    await Promise.all(dbs.map((d) => d.drop()));
    const admin = new Database({ url: adminUrl, max: 1 });
    await admin.query(`drop role if exists ${raceRole}`).finally(() => admin.close());
  });

  test("several databases on one server migrate concurrently, and a re-run changes nothing", async () => {
    dbs.push(...(await Promise.all([1, 2, 3].map(() => createTestDatabase({ seed: false })))));
    for (const d of dbs) {
      await expectReadOnly(d.db);
      await d.db.query(roleSql);
    }
    // Creating a missing role from several databases at once: one creates it, the others tolerate it.
    const raceSql = roleSql.replaceAll("tollway_grafana", raceRole);
    await Promise.all(dbs.map((d) => d.db.query(raceSql)));
    expect(await dbs[0]!.db.query("select 1 from pg_roles where rolname = $1", [raceRole])).toHaveLength(1);
    // Tables created later by the migration owner are readable through the default privileges.
    await dbs[0]!.db.query("create table later_rollup (x int); insert into later_rollup values (1)");
    const rows = await dbs[0]!.db.tx(async (tx) => {
      await tx.query("set local role tollway_grafana");
      return tx.query("select x from later_rollup");
    });
    expect(rows).toEqual([{ x: 1 }]);
  }, 120_000);

  test("works on the embedded PostgreSQL", async () => {
    const server = await startEmbeddedPostgres();
    const db = new Database({ url: server.url, max: 2 });
    try {
      const report = await new Migrator({ db, sqlDir: defaultSqlDir, timescaledb: "off", tollTimezone: "Asia/Taipei" }).run();
      expect(report.applied).toContain("500_grafana_role.sql");
      await expectReadOnly(db);
      await db.query(roleSql);
    } finally {
      await db.close();
      await server.stop();
    }
  }, 120_000);
});
