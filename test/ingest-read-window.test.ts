import { describe, expect, test } from "bun:test";
import { loadConfig } from "../core/config/config.ts";
import { header, tagOf, useIngestWithDefaultWindow } from "./support/ingest.ts";

// Reads are plausible only near the ingest's clock: by default from 7 days before it to 300 s after.
// Outside, a read is dead-lettered with its reason: not priced, not counted, not stored (year 0 or
// 9999 used to be stored, and every later job over passages failed on them).
const G = "01F0017N";
const defaults = loadConfig({}).ingest;
const CLOCK = Date.parse("2026-12-01T12:00:00Z");
const DAY = 86_400_000;

let clock = CLOCK;

const t = useIngestWithDefaultWindow({ now: () => clock });

const iso = (ms: number) => new Date(ms).toISOString();

describe("read-time window", () => {
  test("defaults: 7 days back, 300 s ahead", () => {
    expect(defaults.readMaxAgeSeconds).toBe(7 * 86_400);
    expect(defaults.readMaxAheadSeconds).toBe(300);
  });

  test("reads inside the window are stored at its very edges; outside, and in years 0 and 9999, dead-lettered with the reason", async () => {
    const oldest = CLOCK - 7 * DAY;
    const newest = CLOCK + 300_000;
    const inside = [oldest, CLOCK, newest].map((ms, k) => ({ tag: tagOf(100 + k), ts: iso(ms), lane: 1, class: 31 }));
    const tooOld = "ts: more than 604800 s before the ingest's clock (INGEST_READ_MAX_AGE_S)";
    const tooNew = "ts: more than 300 s ahead of the ingest's clock (INGEST_READ_MAX_AHEAD_S)";
    const outside = [
      { read: { tag: tagOf(200), ts: iso(oldest - 1), class: 31 }, reason: tooOld },
      { read: { tag: tagOf(201), ts: iso(newest + 1), class: 31 }, reason: tooNew },
      { read: { tag: tagOf(202), ts: "0000-01-01T00:00:00Z", class: 31 }, reason: tooOld },
      { read: { tag: tagOf(203), ts: "9999-12-31T23:59:59.999999+14:00", class: 31 }, reason: tooNew },
      { read: { plate: "ABC-1234", ts: "1970-01-01T00:00:00Z", class: 42 }, reason: tooOld },
    ];
    const reads = [...inside, ...outside.map((o) => o.read)];
    const r = await t.gantry.request(["TR1", header(G, 1), JSON.stringify(reads)]);
    expect(r).toEqual({ batch: 1, status: "ok", accepted: 3, rejected: 5, errors: outside.map((o, k) => ({ i: 3 + k, reason: o.reason })) });
    const stored = await t.tdb.db.query<{ tag_id: string; ts: Date; posted_price_tenths: number | null }>(
      "select tag_id, ts, posted_price_tenths from passages where gantry_id = $1 order by ts",
      [G],
    );
    expect(stored.map((p) => [p.tag_id, p.ts.getTime()])).toEqual(inside.map((x) => [x.tag, Date.parse(x.ts)]));
    // Counted: exactly the three.
    const counts = await t.tdb.db.one<{ v: number }>("select coalesce(sum(volume), 0)::int as v from vehicle_counts where gantry_id = $1", [G]);
    expect(counts.v).toBe(3);
    const lanes = await t.tdb.db.one<{ v: number }>("select coalesce(sum(passages), 0)::int as v from gantry_lane_counts where gantry_id = $1", [G]);
    expect(lanes.v).toBe(3);
    const dl = await t.tdb.db.query<{ read_index: number; reason: string; payload: unknown }>(
      "select read_index, reason, payload from dead_letters where gantry_id = $1 order by read_index",
      [G],
    );
    expect(dl).toEqual(outside.map((o, k) => ({ read_index: 3 + k, reason: o.reason, payload: o.read })));
    // The last read time seen is inside the window too.
    const status = await t.tdb.db.one<{ last_read_at: Date }>("select last_read_at from gantry_status where gantry_id = $1", [G]);
    expect(status.last_read_at.getTime()).toBe(newest);
  });

  test("the window moves with the ingest's clock", async () => {
    const read = { tag: tagOf(300), ts: iso(CLOCK + 3_600_000), class: 31 };
    const early = await t.gantry.request(["TR1", header(G, 2), JSON.stringify([read])]);
    expect(early).toMatchObject({ status: "ok", accepted: 0, rejected: 1 });
    // An hour later the same read is on time.
    clock = CLOCK + 3_600_000;
    const later = await t.gantry.request(["TR1", header(G, 3), JSON.stringify([read])]);
    expect(later).toMatchObject({ status: "ok", accepted: 1, rejected: 0 });
  });
});

describe("read-time window configuration", () => {
  test("INGEST_READ_MAX_AGE_S and INGEST_READ_MAX_AHEAD_S set it, within 0 s to 100 years", () => {
    const c = loadConfig({ INGEST_READ_MAX_AGE_S: "86400", INGEST_READ_MAX_AHEAD_S: "60" });
    expect(c.ingest.readMaxAgeSeconds).toBe(86_400);
    expect(c.ingest.readMaxAheadSeconds).toBe(60);
    expect(() => loadConfig({ INGEST_READ_MAX_AGE_S: "-1" })).toThrow(/INGEST_READ_MAX_AGE_S/);
    expect(() => loadConfig({ INGEST_READ_MAX_AHEAD_S: String(101 * 365 * 86_400) })).toThrow(/INGEST_READ_MAX_AHEAD_S/);
    expect(() => loadConfig({ INGEST_READ_MAX_AHEAD_S: "soon" })).toThrow(/INGEST_READ_MAX_AHEAD_S/);
  });
});
