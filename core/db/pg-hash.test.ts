import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { hashBucketOrder, pgHashTextAscii } from "./pg-hash.ts";

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase({ migrate: false });
});
afterAll(async () => {
  await tdb?.drop();
});

describe("pgHashTextAscii", () => {
  test("equals PostgreSQL's hashtext for every length 0-40 and typical tags and plates", async () => {
    const texts: string[] = [];
    for (let len = 0; len <= 40; len++) texts.push(Array.from({ length: len }, (_, i) => String.fromCharCode(33 + ((i * 7 + len) % 94))).join(""));
    for (let n = 0; n < 2000; n++) texts.push("E280" + (n * 7919).toString(16).toUpperCase().padStart(20, "0"), `B${10000 + n}-${1000 + (n % 9000)}`);
    const rows = await tdb.db.query<{ h: string }>(
      "select (hashtext(t)::int8 & 4294967295)::text as h from unnest($1::text[]) with ordinality u(t, n) order by n",
      [texts],
    );
    const wrong = texts.filter((t, i) => String(pgHashTextAscii(t)) !== rows[i]!.h);
    expect(wrong).toEqual([]);
  });
});

describe("hashBucketOrder", () => {
  test("puts rows of one bucket together for any bucket count; rows without a key last, in order", () => {
    const keys = Array.from({ length: 5000 }, (_, i) => (i % 10 === 0 ? null : "E280" + (i * 104729).toString(16).toUpperCase().padStart(20, "0")));
    const order = hashBucketOrder(keys.length, (i) => keys[i]!);
    expect(new Set(order).size).toBe(keys.length);
    const keyed = [...order].filter((i) => keys[i] !== null);
    const unkeyed = [...order].filter((i) => keys[i] === null);
    expect([...order].slice(keyed.length)).toEqual(unkeyed);
    expect(unkeyed).toEqual([...unkeyed].sort((a, b) => a - b));
    for (const bits of [4, 9, 13]) {
      const bucket = (i: number) => pgHashTextAscii(keys[i]!) & ((1 << bits) - 1);
      // Each bucket appears as one run.
      const seen = new Set<number>();
      let prev = -1;
      for (const i of keyed) {
        const b = bucket(i);
        if (b !== prev) {
          expect(seen.has(b)).toBe(false);
          seen.add(b);
          prev = b;
        }
      }
    }
    // Beyond 16 bits, a run holds neighbouring buckets: sharing their low 16 bits.
    const runs = new Set<number>();
    let prev = -1;
    for (const i of keyed) {
      const b = pgHashTextAscii(keys[i]!) & 0xffff;
      if (b !== prev) {
        expect(runs.has(b)).toBe(false);
        runs.add(b);
        prev = b;
      }
    }
  });
});
