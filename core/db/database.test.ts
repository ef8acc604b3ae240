import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { EmbeddedPostgres } from "../embedded/embedded-postgres.ts";
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
    expect(await t.db.isEmbedded()).toBe(false);
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

describe("Database on embedded PGlite (unnest inserts)", () => {
  let server: EmbeddedPostgres;
  let db: Database;
  beforeAll(async () => {
    server = new EmbeddedPostgres({ dataDir: undefined, port: 0 });
    db = new Database({ url: await server.start(), max: 2 });
  });
  afterAll(async () => {
    await db.close();
    await server.stop();
  });

  test("bulkInsert falls back to unnest and keeps the same values", async () => {
    expect(await db.isEmbedded()).toBe(true);
    await exercise(db);
  });
});
