import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTimescale, type TimescaleTestServer } from "../../test/support/timescale.ts";
import type { Database } from "../db/database.ts";
import { emptyGroupPlan } from "../../ingest/service/group-plan.ts";
import { writeOthers } from "../../ingest/service/plan-writer.ts";
import { Seeder } from "../seed/seeder.ts";
import { Migrator, defaultSqlDir } from "./migrator.ts";

// The TimescaleDB layer, run for real on PGlite built with TimescaleDB 2.23 (in-process, one connection).
describe("Migrator with TimescaleDB", () => {
  let server: TimescaleTestServer;
  let db: Database;
  beforeAll(async () => {
    server = await startTimescale();
    db = server.database();
  });
  afterAll(async () => {
    await db.close();
    await server.stop();
  });

  test("applies the portable core and the TimescaleDB layer", async () => {
    const m = new Migrator({ db, sqlDir: defaultSqlDir, timescaledb: "auto", tollTimezone: "Asia/Taipei" });
    const report = await m.run();
    expect(report.timescaledb).toBe(true);
    expect(report.applied).toEqual(m.files());
    expect((await new Seeder(db).run()).gantries).toBe(339);
  });

  test("passages, counts, travel times and dead letters are hypertables", async () => {
    const rows = await db.query<{ hypertable_name: string }>("select hypertable_name from timescaledb_information.hypertables");
    expect(rows.map((r) => r.hypertable_name)).toEqual(expect.arrayContaining(["passages", "vehicle_counts", "segment_stats", "dead_letters"]));
  });

  test("hourly and daily rollups are real-time continuous aggregates with the plain-view names", async () => {
    const rows = await db.query<{ view_name: string; materialized_only: boolean }>(
      "select view_name, materialized_only from timescaledb_information.continuous_aggregates order by 1",
    );
    expect(rows).toEqual([
      { view_name: "passages_daily", materialized_only: false },
      { view_name: "passages_hourly", materialized_only: false },
      { view_name: "segment_stats_hourly", materialized_only: false },
      { view_name: "vehicle_counts_hourly", materialized_only: false },
    ]);
  });

  test("compression, retention and refresh policies are scheduled", async () => {
    const jobs = await db.query<{ proc_name: string; hypertable_name: string }>(
      "select proc_name, hypertable_name from timescaledb_information.jobs where proc_name <> 'policy_telemetry'",
    );
    const has = (proc: string, table: string) => jobs.some((j) => j.proc_name === proc && j.hypertable_name === table);
    expect(has("policy_compression", "passages")).toBe(true);
    expect(has("policy_retention", "dead_letters")).toBe(true);
    expect(jobs.filter((j) => j.proc_name === "policy_refresh_continuous_aggregate").length).toBe(4);
  });

  test("a new passage shows in the hourly rollup at once (real-time aggregate)", async () => {
    const ts = new Date("2026-11-26T08:15:00Z");
    const columns = [
      { name: "ts", type: "timestamptz" },
      { name: "gantry_id", type: "text" },
      { name: "tag_id", type: "text" },
      { name: "plate", type: "text" },
      { name: "read_class", type: "smallint" },
      { name: "vehicle_class", type: "smallint" },
      { name: "posted_price_tenths", type: "integer" },
      { name: "batch_no", type: "bigint" },
    ];
    await db.bulkInsert("passages", columns, [
      [ts, "01F0017N", "E2801160600002085BFC8A3A", null, 31, 31, 14, 1],
      [ts, "01F0017N", null, "ABC-1234", 31, 31, 14, 1],
    ]);
    // A passage with neither tag nor plate is refused by the schema.
    await expect(db.bulkInsert("passages", columns, [[ts, "01F0017N", null, null, 31, 31, 14, 1]])).rejects.toThrow();

    const hourly = await db.query(
      "select passages, plate_only, posted_tenths from passages_hourly where gantry_id = '01F0017N' and bucket = '2026-11-26T08:00:00Z'",
    );
    expect(hourly).toEqual([{ passages: 2, plate_only: 1, posted_tenths: 28 }]);
    const daily = await db.one<{ bucket: Date }>("select bucket from passages_daily limit 1");
    // The local day in Asia/Taipei starts at 16:00 UTC the day before.
    expect(daily.bucket.toISOString()).toBe("2026-11-25T16:00:00.000Z");
  });

  test("passage chunks get the BRIN ts index; new ranges are summarised; a merge updates only its own chunk's passage", async () => {
    const columns = ["ts", "gantry_id", "tag_id", "read_class", "vehicle_class", "batch_no"].map((name, i) => ({
      name,
      type: ["timestamptz", "text", "text", "smallint", "smallint", "bigint"][i]!,
    }));
    const tag = "E2801160600002085BFC0001";
    // Two days, two chunks: both first rows sit at ctid (0,1) of their chunk.
    const days = ["2026-10-01T08:00:00.000Z", "2026-10-02T08:00:00.000Z"];
    for (const ts of days) await db.bulkInsert("passages", columns, [[new Date(ts), "01F0017N", tag, 31, 31, 1]]);
    const chunkIndexes = await db.query<{ amname: string }>(
      `select a.amname from pg_inherits h join pg_index i on i.indrelid = h.inhrelid join pg_class c on c.oid = i.indexrelid join pg_am a on a.oid = c.relam
        where h.inhparent = 'passages'::regclass and c.relname like '%ts_idx%'`,
    );
    expect(chunkIndexes.length).toBeGreaterThanOrEqual(2);
    expect(new Set(chunkIndexes.map((r) => r.amname))).toEqual(new Set(["brin"]));
    expect(Number((await db.one<{ n: string }>("select summarize_full_passage_ranges() as n")).n)).toBeGreaterThanOrEqual(0);
    // Chunks carry the hypertable's setting: no insert-driven autovacuum (sql/120).
    const chunkOptions = await db.query<{ reloptions: string[] | null }>(
      "select c.reloptions from pg_inherits h join pg_class c on c.oid = h.inhrelid where h.inhparent = 'passages'::regclass",
    );
    for (const c of chunkOptions) expect(c.reloptions ?? []).toEqual(expect.arrayContaining(["autovacuum_vacuum_insert_threshold=-1"]));

    const ref = { gantry: "01F0017N", key: tag, tsMs: Date.parse(days[1]!), ts: days[1]!, tag, plate: null, rawReads: 3, addStored: 2, stored: true };
    const plan = { ...emptyGroupPlan(), storedMerges: [ref] };
    await db.tx((tx) => writeOthers(tx, plan));
    const rows = await db.query<{ day: string; raw_reads: number }>(
      "select to_char(ts, 'MM-DD') as day, raw_reads from passages where tag_id = $1 order by ts",
      [tag],
    );
    expect(rows).toEqual([
      { day: "10-01", raw_reads: 1 },
      { day: "10-02", raw_reads: 3 },
    ]);
  });

  test("running again applies nothing", async () => {
    const report = await new Migrator({ db, sqlDir: defaultSqlDir, timescaledb: "auto", tollTimezone: "Asia/Taipei" }).run();
    expect(report.applied).toEqual([]);
  });

  test("the daily continuous aggregate buckets local days in TOLL_TIMEZONE and is rebuilt when it changes", async () => {
    // The passages of 2026-11-26 08:15 UTC inserted above: the 26th in Taipei and in UTC, starting at different instants.
    const day = async () => (await db.one<{ bucket: Date }>("select bucket from passages_daily where bucket >= '2026-11-20'")).bucket.toISOString();
    expect(await day()).toBe("2026-11-25T16:00:00.000Z");
    expect((await new Migrator({ db, sqlDir: defaultSqlDir, timescaledb: "auto", tollTimezone: "UTC" }).run()).applied).toEqual([]);
    expect(await day()).toBe("2026-11-26T00:00:00.000Z");
    const aggregates = await db.query<{ view_name: string; materialized_only: boolean }>(
      "select view_name, materialized_only from timescaledb_information.continuous_aggregates where view_name = 'passages_daily'",
    );
    expect(aggregates).toEqual([{ view_name: "passages_daily", materialized_only: false }]);
    const policies = await db.query("select 1 from timescaledb_information.jobs where proc_name = 'policy_refresh_continuous_aggregate'");
    expect(policies.length).toBe(4);
    await new Migrator({ db, sqlDir: defaultSqlDir, timescaledb: "auto", tollTimezone: "Asia/Taipei" }).run();
    expect(await day()).toBe("2026-11-25T16:00:00.000Z");
  });
});
