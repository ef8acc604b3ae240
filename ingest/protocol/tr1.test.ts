import { describe, expect, test } from "bun:test";
import { checkRead, checkReadWithSchema, headerSchema, parseIsoTime, readSchema } from "./tr1.ts";

// A small deterministic PRNG so a failure can be replayed.
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const valid = { tag: "E2801160600002085BFC8A3A", plate: "ABC-1234", ts: "2026-11-26T07:59:59.871Z", lane: 2, class: 31 };

const odd: unknown[] = [
  "AB\u0000",
  "\ud800AB",
  "E2801160\u0000",
  "2026-11-26T07:59:59\u0000Z",
  undefined,
  null,
  true,
  false,
  0,
  -1,
  1.5,
  31,
  5,
  42,
  100,
  Number.MAX_SAFE_INTEGER,
  "",
  "x",
  "31",
  "abc",
  "E2801160",
  "e2801160600002085bfc8a3a",
  "ZZ801160",
  "A".repeat(64),
  "A".repeat(65),
  "1234567",
  "AB",
  "A",
  "abc-1234",
  "ABC 1234",
  "ABCDEFGHIJKLMNOPQ",
  "2026-11-26T07:59:59Z",
  "2026-11-26T07:59:59.871+08:00",
  "2026-02-29T00:00:00Z",
  "2028-02-29T00:00:00Z",
  "2026-13-01T00:00:00Z",
  "2026-11-26 07:59:59Z",
  "2026-11-26T07:59:59",
  "2026-11-26T24:00:00Z",
  "2026-11-26T07:59:59.1234567890Z",
  "2026-11-26T07:59:59+25:00",
  0.5,
  1,
  1.0000001,
  -0.1,
  99,
  100,
  [],
  {},
  [1],
  { a: 1 },
];

function mutate(r: () => number): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  if (r() < 0.05) return pick(odd);
  const o: Record<string, unknown> = { ...valid };
  if (r() < 0.3) o.conf = pick([0, 0.7, 1, 1.2, -0.1, "0.5", null]);
  const keys = ["tag", "plate", "ts", "lane", "class", "conf", "extra"];
  const n = Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const k = pick(keys);
    if (r() < 0.3) delete o[k];
    else o[k] = pick(odd);
  }
  return o;
}

describe("TR1 read validation", () => {
  test("a valid read passes both checks with the same normalised output", () => {
    const a = checkRead(valid);
    const b = checkReadWithSchema(valid);
    expect(a.ok).toBe(true);
    expect(a).toEqual(b);
  });

  test("hand-written checker and zod schema agree on 50 000 fuzzed reads", () => {
    const r = rng(20261126);
    let accepted = 0;
    for (let i = 0; i < 50_000; i++) {
      const x = mutate(r);
      const fast = checkRead(x);
      const ref = checkReadWithSchema(x);
      if (fast.ok !== ref.ok) throw new Error(`verdicts differ for ${JSON.stringify(x)}: fast=${JSON.stringify(fast)} zod=${JSON.stringify(ref)}`);
      if (fast.ok && ref.ok) {
        expect(fast.read).toEqual(ref.read);
        expect(fast.tsMs).toBe(ref.tsMs);
        accepted++;
      }
    }
    // Both sides of the comparison are exercised.
    expect(accepted).toBeGreaterThan(5_000);
    expect(accepted).toBeLessThan(45_000);
  });

  test("reasons name the field", () => {
    expect(checkRead({ ...valid, class: 33 })).toEqual({ ok: false, reason: "class: must be one of 31, 32, 41, 42, 5" });
    expect(checkRead({ ts: valid.ts, class: 31 })).toEqual({ ok: false, reason: "tag or plate is required" });
    expect(checkRead({ ...valid, ts: "yesterday" })).toMatchObject({ ok: false, reason: expect.stringContaining("ts") });
    expect(readSchema.safeParse({ ...valid, tag: "XYZ" }).success).toBe(false);
  });

  test("text PostgreSQL cannot store is refused, and the reason says what it is", () => {
    expect(checkRead({ ...valid, plate: "AB\u0000C" })).toEqual({ ok: false, reason: "plate: contains a NUL character" });
    expect(checkRead({ ...valid, plate: "AB\ud800" })).toEqual({ ok: false, reason: "plate: contains a lone UTF-16 surrogate" });
    expect(checkRead({ ...valid, tag: "\udc00E2801160" })).toEqual({ ok: false, reason: "tag: contains a lone UTF-16 surrogate" });
    expect(checkRead({ ...valid, ts: "2026-11-26T07:59:59\u0000Z" })).toEqual({ ok: false, reason: "ts: contains a NUL character" });
    // A well-formed pair is not a lone surrogate: refused by the pattern, with the usual reason.
    expect(checkRead({ ...valid, plate: "AB\ud83d\ude97" })).toEqual({ ok: false, reason: "plate: must be 2-16 letters, digits or dashes" });
    for (const bad of ["AB\u0000C", "AB\ud800"]) expect(checkReadWithSchema({ ...valid, plate: bad }).ok).toBe(false);
  });

  test("plate-only and tag-only reads are valid; tags are upper-cased", () => {
    const t = checkRead({ tag: "e2801160600002085bfc8a3a", ts: valid.ts, class: 5 });
    expect(t.ok && t.read).toEqual({ tag: "E2801160600002085BFC8A3A", plate: null, ts: valid.ts, lane: null, class: 5, conf: null });
    expect(checkRead({ plate: "KLA-0001", ts: valid.ts, class: 42, conf: 0.93 }).ok).toBe(true);
  });

  test("timestamps must be real instants with a zone", () => {
    expect(parseIsoTime("2026-11-26T07:59:59.871Z")).toBe(Date.UTC(2026, 10, 26, 7, 59, 59, 871));
    expect(parseIsoTime("2026-11-26T15:59:59+08:00")).toBe(Date.UTC(2026, 10, 26, 7, 59, 59));
    expect(parseIsoTime("2026-02-29T00:00:00Z")).toBeNaN();
    expect(parseIsoTime("2026-11-26T07:59:59")).toBeNaN();
  });

  test("header schema", () => {
    expect(headerSchema.safeParse({ gantry: "01F0017N", batch: 42, sent: "2026-11-26T08:00:00.123Z" }).success).toBe(true);
    expect(headerSchema.safeParse({ gantry: "01F0017N", batch: "42", sent: "2026-11-26T08:00:00.123Z" }).success).toBe(false);
    expect(headerSchema.safeParse({ gantry: "01F0017N", batch: 0, sent: "2026-11-26T08:00:00.123Z" }).success).toBe(false);
    expect(headerSchema.safeParse({ gantry: "x", batch: 1, sent: "2026-11-26T08:00:00.123Z" }).success).toBe(false);
    // PostgreSQL has no year 0 (sent is stored as given); year 1 and 9999 it takes.
    expect(headerSchema.safeParse({ gantry: "01F0017N", batch: 1, sent: "0000-06-01T00:00:00Z" }).success).toBe(false);
    expect(headerSchema.safeParse({ gantry: "01F0017N", batch: 1, sent: "0001-01-01T00:00:00+01:00" }).success).toBe(true);
    expect(headerSchema.safeParse({ gantry: "01F0017N", batch: 1, sent: "9999-12-31T23:59:59-05:00" }).success).toBe(true);
  });
});

describe("parseIsoTime", () => {
  test("agrees with Date.parse on valid times across centuries, leap days and offsets", () => {
    const r = rng(7);
    for (let i = 0; i < 20_000; i++) {
      const ms = Math.floor(r() * 8_000_000_000_000) - 1_000_000_000_000;
      const iso = new Date(ms).toISOString();
      if (!/^\d{4}-/.test(iso)) continue;
      expect(parseIsoTime(iso)).toBe(ms);
      const offMin = (Math.floor(r() * 48) - 24) * 30;
      const local = new Date(ms + offMin * 60_000).toISOString().slice(0, 19);
      const sign = offMin >= 0 ? "+" : "-";
      const a = Math.abs(offMin);
      const withOffset = `${local}${sign}${String(Math.floor(a / 60)).padStart(2, "0")}:${String(a % 60).padStart(2, "0")}`;
      expect(parseIsoTime(withOffset)).toBe(Date.parse(withOffset));
    }
  });
  test("rejects impossible dates and malformed text", () => {
    for (const s of [
      "2024-02-30T00:00:00Z",
      "2100-02-29T00:00:00Z",
      "2026-04-31T00:00:00Z",
      "2026-11-26T07:60:00Z",
      "2026-11-26T07:59:59.Z",
      "2026-11-26T07:59:59ZZ",
      "2026-11-26T07:59:59+0800",
      "+2026-11-26T07:59:59Z",
      "2026-11-2６T07:59:59Z",
    ])
      expect(parseIsoTime(s)).toBeNaN();
    expect(parseIsoTime("2000-02-29T00:00:00Z")).toBe(Date.UTC(2000, 1, 29));
    expect(parseIsoTime("2026-11-26T07:59:59.123456789Z")).toBe(Date.UTC(2026, 10, 26, 7, 59, 59, 123));
  });
});
