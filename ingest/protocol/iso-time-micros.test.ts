import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { isoTimeMicros, parseIsoTime } from "./tr1.ts";

// The ingest sends passage times to PostgreSQL in binary (microseconds), computed from the read's
// text; merges later address those passages by the same text. Both must give the same instant.
let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase({ migrate: false });
});
afterAll(async () => {
  await tdb?.drop();
});

describe("isoTimeMicros", () => {
  test("equals PostgreSQL's timestamptz of the same text, for 1 to 9 fraction digits, offsets and rounding edges", async () => {
    let seed = 99;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const texts: string[] = [
      "2026-11-26T07:59:59.9999995Z",
      "2026-11-26T07:59:59.9999994Z",
      "2026-12-31T23:59:59.999999999+08:00",
      "2026-11-26T07:59:59.0000005Z",
      "2026-11-26T07:59:59.0000015Z",
      "2026-11-26T07:59:59.0000025Z",
      "2026-11-26T07:59:59.1234565Z",
      "1999-12-31T23:59:59.5000005Z",
      "1969-12-31T23:59:59.9999996-03:30",
      "2026-11-26T07:59:59Z",
      "2026-11-26T07:59:59.1Z",
    ];
    for (let i = 0; i < 5000; i++) {
      const base = new Date(Date.UTC(1990, 0, 1) + Math.floor(rnd() * 60 * 365 * 86_400_000)).toISOString().slice(0, 19);
      const digits = 1 + Math.floor(rnd() * 9);
      let frac = "";
      for (let d = 0; d < digits; d++) frac += rnd() < 0.2 ? (rnd() < 0.5 ? "9" : "5") : String(Math.floor(rnd() * 10));
      const zone = rnd() < 0.5 ? "Z" : `${rnd() < 0.5 ? "+" : "-"}${String(Math.floor(rnd() * 14)).padStart(2, "0")}:${rnd() < 0.5 ? "00" : "30"}`;
      texts.push(`${base}.${frac}${zone}`);
    }
    const rows = await tdb.db.query<{ us: string }>(
      "select ((extract(epoch from t::timestamptz) * 1000000)::bigint)::text as us from unnest($1::text[]) with ordinality u(t, n) order by n",
      [texts],
    );
    const mismatches = texts.filter((t, i) => String(isoTimeMicros(t, parseIsoTime(t))) !== rows[i]!.us);
    expect(mismatches).toEqual([]);
  });

  test("refuses times whose microseconds a double cannot hold exactly, rather than sending them off by some", () => {
    for (const t of ["9999-12-31T23:59:59.999999Z", "0001-01-01T00:00:00.000001Z", "2300-01-01T00:00:00Z", "1600-01-01T00:00:00Z"]) {
      expect(() => isoTimeMicros(t, parseIsoTime(t))).toThrow(RangeError);
    }
    // Two centuries either way of now are exact.
    expect(isoTimeMicros("2226-11-26T07:59:59.999999Z", parseIsoTime("2226-11-26T07:59:59.999999Z"))).toBe(Date.UTC(2226, 10, 26, 7, 59, 59) * 1000 + 999_999);
    expect(isoTimeMicros("1826-11-26T07:59:59.000001Z", parseIsoTime("1826-11-26T07:59:59.000001Z"))).toBe(Date.UTC(1826, 10, 26, 7, 59, 59) * 1000 + 1);
  });
});
