import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { BinaryCopyWriter } from "./copy-binary.ts";

let tdb: TestDatabase;

beforeAll(async () => {
  tdb = await createTestDatabase({ migrate: false });
  await tdb.db.query(`create table copy_binary_probe (
    n int, s smallint, i integer, b bigint, r real, d double precision, ts timestamptz, t text, raw bytea)`);
});
afterAll(async () => {
  await tdb?.drop();
});

const COLS = ["n", "s", "i", "b", "r", "d", "ts", "t", "raw"];

describe("BinaryCopyWriter", () => {
  test("every type, nulls and extremes arrive exactly, across chunk boundaries", async () => {
    const cases = [
      { s: 0, i: 0, b: 0, r: 0, d: 0, us: Date.UTC(2000, 0, 1) * 1000, t: "", raw: new Uint8Array() },
      {
        s: -32768,
        i: -2147483648,
        b: -Number.MAX_SAFE_INTEGER,
        r: -1.5,
        d: -1e300,
        us: Date.UTC(1969, 11, 31, 23, 59, 59) * 1000 + 999_999,
        t: "E2801160600002085BFC8A3A",
        raw: new Uint8Array([0, 255, 10]),
      },
      {
        s: 32767,
        i: 2147483647,
        b: Number.MAX_SAFE_INTEGER,
        r: 0.92,
        d: Math.PI,
        us: Date.UTC(2026, 10, 26, 8, 0, 0) * 1000 + 123_456,
        t: "台北 tab\there \\N",
        raw: new Uint8Array(300).fill(7),
      },
      { s: 5, i: 4_294_967, b: 4_294_967_296, r: 1, d: 0.1, us: Date.UTC(2199, 0, 1) * 1000 + 1, t: "x".repeat(1000), raw: new Uint8Array([1]) },
    ];
    // 64-byte chunks: rows and long fields are cut into many chunks.
    const w = new BinaryCopyWriter(64);
    for (const [n, c] of cases.entries()) {
      w.row(9);
      w.int4(n);
      w.int2(c.s);
      w.int4(c.i);
      w.int8(c.b);
      w.float4(c.r);
      w.float8(c.d);
      w.timestamptzUs(c.us);
      w.text(c.t);
      w.bytes(c.raw);
    }
    w.row(9);
    w.int4(99);
    for (let k = 0; k < 8; k++) w.null();
    const chunks = w.finish();
    expect(chunks.length).toBeGreaterThan(10);
    await tdb.db.tx((tx) => tx.copyEncoded("copy_binary_probe", COLS, chunks, { binary: true }));

    const rows = await tdb.db.query<Record<string, unknown>>(
      `select n, s, i, b::text as b, r::float8 as r, d, ((extract(epoch from ts) * 1000000)::bigint)::text as us, t, raw from copy_binary_probe order by n`,
    );
    expect(rows.length).toBe(cases.length + 1);
    for (const [n, c] of cases.entries()) {
      const r = rows[n]!;
      expect(r.s).toBe(c.s);
      expect(r.i).toBe(c.i);
      expect(r.b).toBe(String(c.b));
      expect(r.r).toBe(Math.fround(c.r));
      expect(r.d).toBe(c.d);
      expect(r.us).toBe(String(c.us));
      expect(r.t).toBe(c.t);
      expect(new Uint8Array(r.raw as Buffer)).toEqual(c.raw);
    }
    expect(rows[cases.length]).toEqual({ n: 99, s: null, i: null, b: null, r: null, d: null, us: null, t: null, raw: null });
  });

  test("a row with the wrong field count is refused by the server, and nothing is stored", async () => {
    const w = new BinaryCopyWriter();
    w.row(9);
    w.int4(1000);
    const chunks = w.finish();
    await expect(tdb.db.tx((tx) => tx.copyEncoded("copy_binary_probe", COLS, chunks, { binary: true }))).rejects.toThrow(
      /row field count|unexpected EOF|field/i,
    );
    expect(await tdb.db.maybeOne("select 1 from copy_binary_probe where n = 1000")).toBeUndefined();
  });

  test("a chunk size below 64 bytes is refused when the writer is built", () => {
    expect(() => new BinaryCopyWriter(10)).toThrow(/chunkBytes/);
  });
});
