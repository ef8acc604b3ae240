import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

// sql/100_passages_write_indexes and 120_passages_ts_brin: hash indexes on tag and plate, BRIN on ts. The
// queries the gateway, settlement and control run must still find their passages through an index.
let tdb: TestDatabase;

const planOf = async (sql: string, params: unknown[]) => {
  const rows = await tdb.db.query<{ "QUERY PLAN": unknown }>(`explain (format json) ${sql}`, params);
  return JSON.stringify(rows[0]!["QUERY PLAN"]);
};

beforeAll(async () => {
  tdb = await createTestDatabase();
  // 200 000 passages over ~2.3 days at 50 gantries, 94 % tagged.
  await tdb.db.query(
    `insert into passages (ts, gantry_id, tag_id, plate, read_class, vehicle_class, batch_no)
     select timestamptz '2026-11-20' + g * interval '1 second', gs.id,
            case when g % 50 < 47 then 'E280' || lpad(upper(to_hex(g % 30000)), 20, '0') end,
            case when g % 50 >= 47 then 'P-' || (g % 9000) end, 31, 31, 1 + g / 500
       from generate_series(1, 200000) g
       join lateral (select id from gantries order by id offset (g % 50) limit 1) gs on true`,
  );
  await tdb.db.query("analyze passages");
});

afterAll(async () => {
  await tdb?.drop();
});

describe("passage indexes", () => {
  test("the table has the write-friendly set: hash on tag and plate, BRIN on ts, (gantry_id, ts) b-tree, the partial conflict index, nothing else", async () => {
    const rows = await tdb.db.query<{ indexdef: string }>("select indexdef from pg_indexes where tablename = 'passages' order by indexname");
    const defs = rows.map((r) => r.indexdef.replace(/ ON public\./, " ON "));
    expect(defs).toEqual([
      "CREATE INDEX passages_gantry_time_idx ON passages USING btree (gantry_id, ts)",
      // sql/661: partial, so only the rare identity conflicts are written to it.
      "CREATE INDEX passages_identity_conflict_idx ON passages USING btree (ts) WHERE identity_conflict",
      "CREATE INDEX passages_plate_hash_idx ON passages USING hash (plate)",
      "CREATE INDEX passages_tag_hash_idx ON passages USING hash (tag_id)",
      "CREATE INDEX passages_ts_idx ON passages USING brin (ts) WITH (pages_per_range='32')",
    ]);
  });

  test("a vehicle's passages (by tag, by plate, by the account's tags) come from the hash indexes, newest first", async () => {
    const tagId = "E280" + (1234).toString(16).toUpperCase().padStart(20, "0");
    const byTag = await planOf("select id, ts from passages where tag_id = $1 order by ts desc, id desc limit 50", [tagId]);
    expect(byTag).toContain("passages_tag_hash_idx");
    const byPlate = await planOf("select id, ts from passages where plate = $1 order by ts desc, id desc limit 50", ["P-1234"]);
    expect(byPlate).toContain("passages_plate_hash_idx");
    const byTags = await planOf("select id, ts from passages where tag_id = any($1::text[]) order by ts desc, id desc limit 50", [
      [tagId, "E28000000000000000000001"],
    ]);
    expect(byTags).toContain("passages_tag_hash_idx");
    const rows = await tdb.db.query<{ ts: Date }>("select ts from passages where tag_id = $1 order by ts desc, id desc", [tagId]);
    expect(rows.length).toBeGreaterThan(3);
    for (let i = 1; i < rows.length; i++) expect(rows[i - 1]!.ts.getTime()).toBeGreaterThanOrEqual(rows[i]!.ts.getTime());
  });

  test("time ranges come from the ts index; one gantry's newest passages from the (gantry_id, ts) b-tree (sql/643)", async () => {
    const day = await planOf("select count(*) from passages where ts >= $1 and ts < $2", [new Date("2026-11-21T00:00:00Z"), new Date("2026-11-21T01:00:00Z")]);
    expect(day).toContain("passages_ts_idx");
    const gantry = await tdb.db.one<{ gantry_id: string }>("select gantry_id from passages limit 1");
    const atGantry = await planOf("select id from passages where gantry_id = $1 order by ts desc, id desc limit 50", [gantry.gantry_id]);
    expect(atGantry).toContain("passages_gantry_time_idx");
  });

  test("summarize_full_passage_ranges summarises the full ranges written since, never the one still filling", async () => {
    const pagesOf = async (from: string, to: string) => {
      await tdb.db.query("set enable_seqscan = off");
      try {
        const rows = await tdb.db.query<{ "QUERY PLAN": unknown }>("explain (analyze, format json) select count(*) from passages where ts >= $1 and ts < $2", [
          new Date(from),
          new Date(to),
        ]);
        const heap = JSON.stringify(rows[0]!["QUERY PLAN"]);
        return Number(/"Lossy Heap Blocks":(\d+)/.exec(heap)?.[1] ?? Number.NaN);
      } finally {
        await tdb.db.query("reset enable_seqscan");
      }
    };
    // Insert-driven autovacuum is off for passages (sql/120): the ingest summarises.
    const opts = await tdb.db.one<{ reloptions: string[] }>("select reloptions from pg_class where oid = 'passages'::regclass");
    expect(opts.reloptions).toEqual(expect.arrayContaining(["autovacuum_vacuum_insert_threshold=-1"]));
    // 100 000 later passages; their ranges are not summarised yet, so a query for an hour of the
    // first day reads them all as well.
    await tdb.db.query(
      `insert into passages (ts, gantry_id, plate, read_class, vehicle_class, batch_no)
       select timestamptz '2026-12-01' + g * interval '1 second', '01F0005S', 'NEW-' || g, 31, 31, 1 from generate_series(1, 100000) g`,
    );
    const before = await pagesOf("2026-11-21T00:00:00Z", "2026-11-21T01:00:00Z");
    // Called by a role that only writes rows (not the tables' owner), as an ingest may run.
    await tdb.db.query(`do $$ begin
      if not exists (select 1 from pg_roles where rolname = 'tollway_test_row_writer') then create role tollway_test_row_writer; end if;
    end $$`);
    await tdb.db.query("grant select, insert on passages to tollway_test_row_writer");
    const summarised = await tdb.db.tx(async (tx) => {
      await tx.query("set local role tollway_test_row_writer");
      return tx.one<{ n: string }>("select summarize_full_passage_ranges() as n");
    });
    await tdb.db.query("revoke all on passages from tollway_test_row_writer");
    expect(Number(summarised.n)).toBeGreaterThan(10);
    const after = await pagesOf("2026-11-21T00:00:00Z", "2026-11-21T01:00:00Z");
    expect(after).toBeLessThan(before / 5);
    expect(after).toBeGreaterThan(0);
    expect(Number((await tdb.db.one<{ n: string }>("select summarize_full_passage_ranges() as n")).n)).toBe(0);
    // What is left unsummarised is at most the range still filling.
    const rest = await tdb.db.one<{ n: number }>("select brin_summarize_new_values('passages_ts_idx')::int as n");
    expect(rest.n).toBeLessThanOrEqual(1);
  });
});
