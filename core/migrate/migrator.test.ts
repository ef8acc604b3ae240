import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { Migrator, defaultSqlDir } from "./migrator.ts";

const scratchDirs: string[] = [];
function copyOfSqlDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tollway-sql-"));
  scratchDirs.push(dir);
  cpSync(defaultSqlDir, dir, { recursive: true });
  return dir;
}

describe("Migrator on plain PostgreSQL", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => {
    for (const d of scratchDirs) rmSync(d, { recursive: true, force: true });
    await t.drop();
  });

  test("applies every portable migration from empty and skips the TimescaleDB layer cleanly", async () => {
    const m = new Migrator({ db: t.db, sqlDir: defaultSqlDir, timescaledb: "auto" });
    const report = await m.run();
    const portable = m.files().filter((f) => !f.endsWith(".timescale.sql"));
    expect(report.timescaledb).toBe(false);
    expect(report.applied).toEqual(portable);
    expect(report.applied.some((f) => f.endsWith(".timescale.sql"))).toBe(false);
    // Rollups exist as plain views with the names the dashboards use.
    const views = await t.db.query<{ table_name: string }>(
      "select table_name from information_schema.views where table_schema = 'public' order by 1",
    );
    expect(views.map((v) => v.table_name)).toEqual(expect.arrayContaining(["passages_daily", "passages_hourly", "segment_stats_hourly", "vehicle_counts_hourly"]));
    const tables = await t.db.query<{ n: number }>("select count(*)::int as n from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'");
    expect(tables[0]!.n).toBeGreaterThan(30);
  });

  test("running again applies nothing", async () => {
    const report = await new Migrator({ db: t.db, sqlDir: defaultSqlDir, timescaledb: "auto" }).run();
    expect(report.applied).toEqual([]);
    expect(report.skipped).toBeGreaterThan(0);
  });

  test("two migrators at once do not interleave", async () => {
    const [a, b] = await Promise.all([
      new Migrator({ db: t.db, sqlDir: defaultSqlDir, timescaledb: "auto" }).run(),
      new Migrator({ db: t.db, sqlDir: defaultSqlDir, timescaledb: "auto" }).run(),
    ]);
    expect(a.applied.length + b.applied.length).toBe(0);
  });

  test("TIMESCALEDB=on without the extension is a clear error", async () => {
    await expect(new Migrator({ db: t.db, sqlDir: defaultSqlDir, timescaledb: "on" }).run()).rejects.toThrow(/no timescaledb extension/);
  });

  test("an applied migration that was edited is refused", async () => {
    const dir = copyOfSqlDir();
    writeFileSync(join(dir, "001_network.sql"), "-- edited\n", { flag: "a" });
    await expect(new Migrator({ db: t.db, sqlDir: dir, timescaledb: "off" }).run()).rejects.toThrow(/001_network.sql was changed/);
  });

  test("a failing migration is rolled back and reported by name", async () => {
    const dir = copyOfSqlDir();
    writeFileSync(join(dir, "999_broken.sql"), "create table half_done (x int);\nselect no_such_function();\n");
    await expect(new Migrator({ db: t.db, sqlDir: dir, timescaledb: "off" }).run()).rejects.toThrow(/999_broken.sql failed/);
    expect(await t.db.maybeOne("select 1 from information_schema.tables where table_name = 'half_done'")).toBeUndefined();
    expect(await t.db.maybeOne("select 1 from schema_migrations where name = '999_broken.sql'")).toBeUndefined();
  });
});
