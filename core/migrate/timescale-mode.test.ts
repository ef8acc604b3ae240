import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { createLogger } from "../log/logger.ts";
import { Migrator, defaultSqlDir } from "./migrator.ts";
import { decideTimescale, isNotPreloadedError, PRELOAD_SETTING } from "./timescale-mode.ts";

describe("decideTimescale", () => {
  test("off never applies the layer, whatever the server offers", () => {
    for (const a of ["absent", "not-preloaded", "ready"] as const) expect(decideTimescale("off", a)).toEqual({ apply: false });
  });

  test("ready applies the layer in auto and on", () => {
    expect(decideTimescale("auto", "ready")).toEqual({ apply: true });
    expect(decideTimescale("on", "ready")).toEqual({ apply: true });
  });

  test("absent: auto uses the portable schema quietly, on is a clear error", () => {
    expect(decideTimescale("auto", "absent")).toEqual({ apply: false });
    expect(() => decideTimescale("on", "absent")).toThrow(/no timescaledb extension/);
  });

  test("installed but not preloaded: auto warns naming the setting, on fails with that message", () => {
    const d = decideTimescale("auto", "not-preloaded");
    expect(d.apply).toBe(false);
    expect(d.warning).toContain("shared_preload_libraries = 'timescaledb'");
    expect(d.warning).toContain("postgresql.conf");
    expect(d.warning).toContain("restart PostgreSQL");
    expect(() => decideTimescale("on", "not-preloaded")).toThrow(PRELOAD_SETTING);
  });

  test("recognises the server's not-preloaded error and nothing else", () => {
    expect(isNotPreloadedError(new Error('extension "timescaledb" must be preloaded'))).toBe(true);
    expect(isNotPreloadedError(new Error('could not open extension control file "timescaledb.control"'))).toBe(false);
    expect(isNotPreloadedError(undefined)).toBe(false);
  });
});

// Against the real server: meaningful only where TimescaleDB is installed but not preloaded.
describe("Migrator on a server with TimescaleDB installed but not preloaded", () => {
  let t: TestDatabase;
  let reason: string | undefined;
  beforeAll(async () => {
    t = await createTestDatabase({ migrate: false });
    const available = await t.db.maybeOne("select 1 from pg_available_extensions where name = 'timescaledb'");
    const preload = (await t.db.one<{ v: string }>("select current_setting('shared_preload_libraries') as v")).v;
    if (!available) reason = "this PostgreSQL server has no timescaledb extension installed";
    else if (/\btimescaledb\b/.test(preload)) reason = "this PostgreSQL server preloads timescaledb";
    if (reason) console.log(`[timescale-mode.test] server checks not run: ${reason}`);
  });
  afterAll(async () => {
    await t.drop();
  });

  test("auto applies the portable schema and warns with the setting; on fails with it", async () => {
    if (reason) return;
    const lines: string[] = [];
    const logger = createLogger({ level: "warn", write: (l) => lines.push(l) });
    await expect(new Migrator({ db: t.db, sqlDir: defaultSqlDir, timescaledb: "on", tollTimezone: "Asia/Taipei" }).run()).rejects.toThrow(PRELOAD_SETTING);
    const report = await new Migrator({ db: t.db, sqlDir: defaultSqlDir, timescaledb: "auto", tollTimezone: "Asia/Taipei", logger }).run();
    expect(report.timescaledb).toBe(false);
    expect(report.applied.length).toBeGreaterThan(0);
    expect(lines.some((l) => l.includes(PRELOAD_SETTING))).toBe(true);
  });
});
