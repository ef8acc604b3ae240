import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { Database, isTransientDbError } from "./database.ts";

const columns = [
  { name: "id", type: "integer" },
  { name: "note", type: "text" },
  { name: "at", type: "timestamptz" },
  { name: "doc", type: "jsonb" },
];
const awkward = ["tab\there", "new\nline", "back\\slash", "carriage\rreturn", "\\N", "ünïcødé 國道"];

async function exercise(db: Database) {
  await db.query("create table if not exists bulk_probe (id int, note text, at timestamptz, doc jsonb)");
  await db.query("truncate bulk_probe");
  const at = new Date("2026-11-26T08:00:00.123Z");
  const rows: unknown[][] = awkward.map((note, i) => [i, note, at, { i, note }]);
  rows.push([99, null, null, null]);
  expect(await db.bulkInsert("bulk_probe", columns, rows)).toBe(rows.length);
  const back = await db.query<{ id: number; note: string | null; at: Date | null; doc: unknown }>("select * from bulk_probe order by id");
  expect(back.map((r) => r.note)).toEqual([...awkward, null]);
  expect(back[0]!.at?.toISOString()).toBe(at.toISOString());
  expect(back[1]!.doc).toEqual({ i: 1, note: "new\nline" });
  expect(back.at(-1)).toEqual({ id: 99, note: null, at: null, doc: null });
}

describe("Database on PostgreSQL (COPY)", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => t.drop());

  test("bulkInsert keeps awkward text, nulls, times and JSON exact", async () => {
    expect(t.db.bulkMode).toBe("copy");
    await exercise(t.db);
  });

  test("a transaction that throws leaves nothing behind", async () => {
    await t.db.query("create table tx_probe (x int)");
    await expect(
      t.db.tx(async (tx) => {
        await tx.query("insert into tx_probe values (1)");
        await tx.bulkInsert("tx_probe", [{ name: "x", type: "integer" }], [[2], [3]]);
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect((await t.db.one<{ n: number }>("select count(*)::int as n from tx_probe")).n).toBe(0);
    await t.db.tx(async (tx) => tx.bulkInsert("tx_probe", [{ name: "x", type: "integer" }], [[2], [3]]));
    expect((await t.db.one<{ n: number }>("select count(*)::int as n from tx_probe")).n).toBe(2);
  });

  test("int8 and numeric come back as numbers", async () => {
    expect(await t.db.one("select 12345678901::int8 as a, 1.5::numeric as b")).toEqual({ a: 12345678901, b: 1.5 });
  });

  test("unsafe identifiers are refused before reaching SQL", async () => {
    await expect(t.db.bulkInsert("bulk_probe; drop table x", columns, [[1, "a", null, null]])).rejects.toThrow(/identifier/);
  });

  test("a refused connection is classified as transient", async () => {
    const dead = new Database({ url: "postgres://postgres@127.0.0.1:1/postgres", connectTimeoutMs: 1000 });
    const err = await dead.query("select 1").catch((e: unknown) => e);
    expect(isTransientDbError(err)).toBe(true);
    await dead.close();
  });
});

// The mode for a server without COPY FROM STDIN (the PGlite TimescaleDB test server), run here on
// PostgreSQL with a trigger that refuses rows arriving by COPY.
describe("Database with bulkMode unnest", () => {
  let t: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    t = await createTestDatabase({ migrate: false });
    db = new Database({ url: t.url, max: 2, bulkMode: "unnest" });
  });
  afterAll(async () => {
    await db.close();
    await t.drop();
  });

  test("bulkInsert uses unnest inserts and keeps the same values", async () => {
    expect(db.bulkMode).toBe("unnest");
    await db.query("create table bulk_probe (id int, note text, at timestamptz, doc jsonb)");
    await db.query(`create function refuse_copy() returns trigger language plpgsql as $$
      begin if current_query() ilike 'copy%' then raise exception 'row arrived by COPY'; end if; return new; end $$`);
    await db.query("create trigger refuse_copy before insert on bulk_probe for each row execute function refuse_copy()");
    const copying = new Database({ url: t.url, max: 1 });
    await expect(copying.bulkInsert("bulk_probe", columns, [[1, "x", null, null]])).rejects.toThrow(/arrived by COPY/);
    await copying.close();
    await exercise(db);
    await expect(db.tx((tx) => tx.copyEncoded("bulk_probe", ["id"], ["1\n"]))).rejects.toThrow(/bulkMode copy/);
  });
});
