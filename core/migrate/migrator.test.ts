import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { RENAMED_MIGRATIONS } from "./migration-order.ts";
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
    const m = new Migrator({ db: t.db, sqlDir: defaultSqlDir, timescaledb: "auto", tollTimezone: "Asia/Taipei" });
    const report = await m.run();
    const portable = m.files().filter((f) => !f.endsWith(".timescale.sql"));
    expect(report.timescaledb).toBe(false);
    expect(report.applied).toEqual(portable);
    expect(report.applied.some((f) => f.endsWith(".timescale.sql"))).toBe(false);
    // Rollups exist as plain views with the names the dashboards use.
    const views = await t.db.query<{ table_name: string }>("select table_name from information_schema.views where table_schema = 'public' order by 1");
    expect(views.map((v) => v.table_name)).toEqual(
      expect.arrayContaining(["passages_daily", "passages_hourly", "segment_stats_hourly", "vehicle_counts_hourly"]),
    );
    const tables = await t.db.query<{ n: number }>(
      "select count(*)::int as n from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'",
    );
    expect(tables[0]!.n).toBeGreaterThan(30);
  });

  test("running again applies nothing", async () => {
    const report = await new Migrator({ db: t.db, sqlDir: defaultSqlDir, timescaledb: "auto", tollTimezone: "Asia/Taipei" }).run();
    expect(report.applied).toEqual([]);
    expect(report.skipped).toBeGreaterThan(0);
  });

  test("two migrators at once do not interleave", async () => {
    const [a, b] = await Promise.all([
      new Migrator({ db: t.db, sqlDir: defaultSqlDir, timescaledb: "auto", tollTimezone: "Asia/Taipei" }).run(),
      new Migrator({ db: t.db, sqlDir: defaultSqlDir, timescaledb: "auto", tollTimezone: "Asia/Taipei" }).run(),
    ]);
    expect(a.applied.length + b.applied.length).toBe(0);
  });

  test("TIMESCALEDB=on without the extension is a clear error", async () => {
    await expect(new Migrator({ db: t.db, sqlDir: defaultSqlDir, timescaledb: "on", tollTimezone: "Asia/Taipei" }).run()).rejects.toThrow(
      /no timescaledb extension/,
    );
  });

  test("an applied migration that was edited is refused", async () => {
    const dir = copyOfSqlDir();
    writeFileSync(join(dir, "001_network.sql"), "-- edited\n", { flag: "a" });
    await expect(new Migrator({ db: t.db, sqlDir: dir, timescaledb: "off", tollTimezone: "Asia/Taipei" }).run()).rejects.toThrow(/001_network.sql was changed/);
  });

  test("a failing migration is rolled back and reported by name", async () => {
    const dir = copyOfSqlDir();
    writeFileSync(join(dir, "999_broken.sql"), "create table half_done (x int);\nselect no_such_function();\n");
    await expect(new Migrator({ db: t.db, sqlDir: dir, timescaledb: "off", tollTimezone: "Asia/Taipei" }).run()).rejects.toThrow(/999_broken.sql failed/);
    expect(await t.db.maybeOne("select 1 from information_schema.tables where table_name = 'half_done'")).toBeUndefined();
    expect(await t.db.maybeOne("select 1 from schema_migrations where name = '999_broken.sql'")).toBeUndefined();
  });

  test("a file numbered below one already applied is refused, naming both, and nothing runs", async () => {
    const dir = copyOfSqlDir();
    writeFileSync(join(dir, "150_added_late.sql"), "create table added_late (x int);\n");
    // The newest portable migration of the tree, whichever it is when this runs.
    const newest = readdirSync(defaultSqlDir)
      .filter((f) => /^\d+_.*(?<!\.timescale)\.sql$/.test(f))
      .sort()
      .at(-1)!;
    const next = Number.parseInt(newest, 10) + 1;
    await expect(new Migrator({ db: t.db, sqlDir: dir, timescaledb: "off", tollTimezone: "Asia/Taipei" }).run()).rejects.toThrow(
      new RegExp(`150_added_late\\.sql was never applied but sorts before ${newest.replace(".", "\\.")}.*from ${next}`),
    );
    expect(await t.db.maybeOne("select 1 from information_schema.tables where table_name = 'added_late'")).toBeUndefined();
  });

  test("two migrations with one number are refused", async () => {
    const dir = copyOfSqlDir();
    writeFileSync(join(dir, "999_one.sql"), "select 1;\n");
    writeFileSync(join(dir, "999_two.sql"), "select 2;\n");
    await expect(new Migrator({ db: t.db, sqlDir: dir, timescaledb: "off", tollTimezone: "Asia/Taipei" }).run()).rejects.toThrow(
      /999_one and 999_two share the number 999/,
    );
  });

  test("the daily rollup buckets local days in TOLL_TIMEZONE and follows it when it changes", async () => {
    await t.db.query(
      "insert into passages (ts, gantry_id, tag_id, read_class, vehicle_class, batch_no) values ('2024-03-25T20:00:00Z', '01F0005S', 'AAAA0000', 31, 31, 1)",
    );
    const day = async () => (await t.db.one<{ bucket: Date }>("select bucket from passages_daily")).bucket.toISOString();
    // 20:00 UTC is 04:00 on the 26th in Taipei.
    expect(await day()).toBe("2024-03-25T16:00:00.000Z");
    expect((await new Migrator({ db: t.db, sqlDir: defaultSqlDir, timescaledb: "off", tollTimezone: "UTC" }).run()).applied).toEqual([]);
    expect(await day()).toBe("2024-03-25T00:00:00.000Z");
    expect((await t.db.one<{ z: string }>("select toll_timezone() as z")).z).toBe("UTC");
    await new Migrator({ db: t.db, sqlDir: defaultSqlDir, timescaledb: "off", tollTimezone: "Asia/Taipei" }).run();
    expect(await day()).toBe("2024-03-25T16:00:00.000Z");
    await t.db.query("delete from passages");
  });

  test("an unknown TOLL_TIMEZONE is a clear error and changes nothing", async () => {
    await expect(new Migrator({ db: t.db, sqlDir: defaultSqlDir, timescaledb: "off", tollTimezone: "Mars/Olympus_Mons" }).run()).rejects.toThrow(
      /TOLL_TIMEZONE Mars\/Olympus_Mons/,
    );
    expect((await t.db.one<{ z: string }>("select toll_timezone() as z")).z).toBe("Asia/Taipei");
  });
});

describe("Migrator: renamed migrations", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => {
    await t.drop();
  });

  /** Every relation, column and index of the schema, and what schema_migrations records. */
  const fingerprint = async () => ({
    columns: await t.db.query(
      "select table_name, column_name, data_type, column_default from information_schema.columns where table_schema = 'public' order by 1, 2",
    ),
    indexes: await t.db.query("select indexname, indexdef from pg_indexes where schemaname = 'public' order by 1"),
    recorded: await t.db.query("select name, checksum, applied_at from schema_migrations order by name"),
  });

  test("a database migrated under the old names applies nothing under the new ones", async () => {
    const old = mkdtempSync(join(tmpdir(), "tollway-sql-"));
    scratchDirs.push(old);
    cpSync(defaultSqlDir, old, { recursive: true });
    for (const [before, after] of Object.entries(RENAMED_MIGRATIONS)) renameSync(join(old, after), join(old, before));
    const first = await new Migrator({ db: t.db, sqlDir: old, timescaledb: "off", tollTimezone: "Asia/Taipei" }).run();
    expect(first.applied).toEqual(expect.arrayContaining(Object.keys(RENAMED_MIGRATIONS)));
    const before = await fingerprint();

    const report = await new Migrator({ db: t.db, sqlDir: defaultSqlDir, timescaledb: "off", tollTimezone: "Asia/Taipei" }).run();
    expect(report.applied).toEqual([]);
    expect(report.skipped).toBe(first.applied.length);
    expect(await fingerprint()).toEqual(before);
  });
});
