import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";
import { RawGantry, header, startIngest, tagOf } from "./support/ingest.ts";
import type { IngestService } from "../ingest/service/ingest-service.ts";
import { decodeRawFrames } from "../ingest/service/dead-letters.ts";
import { MAX_BODY_BYTES, MAX_FRAME_BYTES } from "../ingest/protocol/tr1.ts";

const G = "01F0017N";
const T0 = Date.parse("2026-11-26T08:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();

let tdb: TestDatabase;
let ingest: IngestService;
let gantry: RawGantry;

beforeAll(async () => {
  tdb = await createTestDatabase();
  const acct = await tdb.db.one<{ id: number }>("insert into accounts (name) values ('Bus Co') returning id");
  await tdb.db.query("insert into tags (id, account_id, vehicle_class) values ($1, $2, 41)", [tagOf(1), acct.id]);
  ingest = await startIngest(tdb.db, { metricsPort: 0 });
  gantry = new RawGantry(ingest.endpoint);
});

afterAll(async () => {
  gantry?.close();
  await ingest?.stop();
  await tdb?.drop();
}, 60_000);

describe("TR1 ingest", () => {
  test("a batch is acked only after its rows are visible, priced by the tariff in force", async () => {
    // Hold the batch table: the transaction cannot commit, so no ack may arrive.
    const blocker = await tdb.db.pool.connect();
    await blocker.query("begin; lock table ingest_batches in exclusive mode");
    const reads = [
      { tag: tagOf(1), ts: iso(T0), lane: 1, class: 31 }, // registered bus: priced as 41
      { tag: tagOf(2), ts: iso(T0 + 1000), lane: 2, class: 31 }, // unregistered car
      { plate: "ABC-1234", ts: iso(T0 + 2000), lane: 3, class: 42, conf: 0.9 },
    ];
    await gantry.send(["TR1", header(G, 1), JSON.stringify(reads)]);
    await Bun.sleep(400);
    expect(gantry.replies.length).toBe(0);
    await blocker.query("commit");
    blocker.release();
    const reply = await gantry.next();
    // The moment the ack is here, a fresh connection sees everything.
    const rows = await tdb.db.query<{
      tag_id: string | null;
      vehicle_class: number;
      account_id: number | null;
      posted_price_tenths: number | null;
      expected: number;
    }>(
      `select p.tag_id, p.vehicle_class, p.account_id, p.posted_price_tenths,
              floor(z.zone_km_tenths * r.rate_tenths_per_km / 10.0)::int as expected
         from passages p join tariff_zones z on z.gantry_id = p.gantry_id and z.tariff_id = p.tariff_id
         join tariff_class_rates r on r.tariff_id = p.tariff_id and r.vehicle_class = p.vehicle_class
        where p.gantry_id = $1 and p.batch_no = 1 order by p.ts`,
      [G],
    );
    expect(reply).toEqual({ batch: 1, status: "ok", accepted: 3, rejected: 0, errors: [] });
    expect(rows.length).toBe(3);
    expect(rows[0]!.vehicle_class).toBe(41);
    expect(rows[0]!.account_id).not.toBeNull();
    expect(rows[1]!.vehicle_class).toBe(31);
    expect(rows[1]!.account_id).toBeNull();
    expect(rows[2]!.vehicle_class).toBe(42);
    for (const r of rows) expect(r.posted_price_tenths).toBe(r.expected);
    const counts = await tdb.db.query<{ vehicle_class: number; volume: number; direction: string }>(
      "select vehicle_class, volume, direction from vehicle_counts where gantry_id = $1 and source = 'ingest' order by vehicle_class",
      [G],
    );
    expect(counts).toEqual([
      { vehicle_class: 31, volume: 1, direction: "N" },
      { vehicle_class: 41, volume: 1, direction: "N" },
      { vehicle_class: 42, volume: 1, direction: "N" },
    ]);
    const lanes = await tdb.db.query(
      "select lane, passages, plate_only, plate_reads, plate_conf_sum from gantry_lane_counts where gantry_id = $1 order by lane",
      [G],
    );
    expect(lanes).toEqual([
      { lane: 1, passages: 1, plate_only: 0, plate_reads: 0, plate_conf_sum: 0 },
      { lane: 2, passages: 1, plate_only: 0, plate_reads: 0, plate_conf_sum: 0 },
      { lane: 3, passages: 1, plate_only: 1, plate_reads: 1, plate_conf_sum: expect.closeTo(0.9, 5) },
    ]);
    const status = await tdb.db.one<{ last_batch_no: number }>("select last_batch_no from gantry_status where gantry_id = $1", [G]);
    expect(status.last_batch_no).toBe(1);
  });

  test("resending a committed batch returns duplicate and writes nothing", async () => {
    const reads = [{ tag: tagOf(10), ts: iso(T0 + 600_000), class: 31 }];
    const first = await gantry.request(["TR1", header(G, 2), JSON.stringify(reads)]);
    expect(first.status).toBe("ok");
    const before = await tdb.db.one<{ n: number }>("select count(*)::int as n from passages");
    const countsBefore = await tdb.db.one<{ v: number }>("select sum(volume)::int as v from vehicle_counts");
    const lanesBefore = await tdb.db.one<{ v: number }>("select sum(passages)::int as v from gantry_lane_counts");
    const again = await gantry.request(["TR1", header(G, 2), JSON.stringify(reads)]);
    expect(again).toEqual({ batch: 2, status: "duplicate", accepted: 1, rejected: 0, errors: [] });
    // Even with a different body, the batch number decides.
    const other = await gantry.request(["TR1", header(G, 2), JSON.stringify([...reads, ...reads])]);
    expect(other.status).toBe("duplicate");
    expect((await tdb.db.one<{ n: number }>("select count(*)::int as n from passages")).n).toBe(before.n);
    expect((await tdb.db.one<{ v: number }>("select sum(volume)::int as v from vehicle_counts")).v).toBe(countsBefore.v);
    expect((await tdb.db.one<{ v: number }>("select sum(passages)::int as v from gantry_lane_counts")).v).toBe(lanesBefore.v);
    expect((await tdb.db.one<{ n: number }>("select count(*)::int as n from ingest_batches where gantry_id = $1 and batch_no = 2", [G])).n).toBe(1);
  });

  test("a batch with some bad reads stores the good ones and dead-letters the bad ones with reasons", async () => {
    const reads = [
      { tag: tagOf(20), ts: iso(T0 + 1_200_000), class: 31 },
      { tag: "XYZ", ts: iso(T0), class: 31 },
      { ts: iso(T0), class: 31 },
      { tag: tagOf(21), ts: "yesterday", class: 31 },
      { tag: tagOf(22), ts: iso(T0), class: 33 },
      "not an object",
      { plate: "KLA-0002", ts: iso(T0 + 1_200_000), class: 5, lane: 1 },
    ];
    const r = await gantry.request(["TR1", header(G, 3), JSON.stringify(reads)]);
    expect(r.status).toBe("ok");
    expect(r.accepted).toBe(2);
    expect(r.rejected).toBe(5);
    expect(r.errors.map((e) => e.i)).toEqual([1, 2, 3, 4, 5]);
    const dl = await tdb.db.query<{ read_index: number; reason: string; payload: unknown }>(
      "select read_index, reason, payload from dead_letters where gantry_id = $1 and batch_no = 3 order by read_index",
      [G],
    );
    expect(dl.map((d) => d.read_index)).toEqual([1, 2, 3, 4, 5]);
    expect(dl[0]!.reason).toContain("tag");
    expect(dl[1]!.reason).toContain("tag or plate");
    expect(dl[2]!.reason).toContain("ts");
    expect(dl[3]!.reason).toContain("class");
    expect(dl[0]!.payload).toEqual(reads[1]);
    expect(r.errors.map((e) => e.reason)).toEqual(dl.map((d) => d.reason));
    expect((await tdb.db.one<{ n: number }>("select count(*)::int as n from passages where batch_no = 3 and gantry_id = $1", [G])).n).toBe(2);
    const b = await tdb.db.one<{ reads: number; accepted: number; rejected: number }>(
      "select reads, accepted, rejected from ingest_batches where gantry_id = $1 and batch_no = 3",
      [G],
    );
    expect(b).toEqual({ reads: 7, accepted: 2, rejected: 5 });
  });

  test("antenna duplicates merge into one passage, also across batches", async () => {
    const t = T0 + 1_800_000;
    const v = tagOf(30);
    await gantry.request([
      "TR1",
      header(G, 4),
      JSON.stringify([
        { tag: v, ts: iso(t), class: 31 },
        { tag: v, ts: iso(t + 200), class: 31 },
      ]),
    ]);
    const r = await gantry.request([
      "TR1",
      header(G, 5),
      JSON.stringify([
        { tag: v, ts: iso(t + 5000), class: 31 },
        { tag: v, ts: iso(t + 61_000), class: 31 },
      ]),
    ]);
    expect(r.accepted).toBe(2);
    const rows = await tdb.db.query<{ raw_reads: number; batch_no: number }>("select raw_reads, batch_no from passages where tag_id = $1 order by ts", [v]);
    // t, t+200, t+5000 are one passage (3 reads); t+61 s is outside the 60 s window: a new one.
    expect(rows).toEqual([
      { raw_reads: 3, batch_no: 4 },
      { raw_reads: 1, batch_no: 5 },
    ]);
    const b = await tdb.db.query<{ antenna_duplicates: number }>(
      "select antenna_duplicates from ingest_batches where gantry_id = $1 and batch_no in (4, 5) order by batch_no",
      [G],
    );
    expect(b.map((x) => x.antenna_duplicates)).toEqual([1, 1]);
  });

  test("malformed messages are rejected, kept raw in dead letters, and the service stays up", async () => {
    const badUtf8 = new Uint8Array([0x5b, 0xff, 0xfe, 0x5d]);
    const cases: { frames: (string | Uint8Array)[]; reason: string }[] = [
      { frames: ["TR1", header(G, 100)], reason: "frames: expected 3, got 2" },
      { frames: ["TR1", header(G, 100), "[]", "extra"], reason: "frames: expected 3, got 4" },
      { frames: ["TR2", header(G, 100), "[]"], reason: "first frame must be TR1" },
      { frames: ["TR1", new Uint8Array([0x7b, 0xc3, 0x28, 0x7d]), "[]"], reason: "header: not valid UTF-8" },
      { frames: ["TR1", "{not json", "[]"], reason: "header: not JSON" },
      { frames: ["TR1", JSON.stringify({ gantry: G, batch: "7", sent: iso(T0) }), "[]"], reason: "header: batch" },
      { frames: ["TR1", JSON.stringify({ gantry: G, batch: 7 }), "[]"], reason: "header: sent" },
      { frames: ["TR1", header("99X9999Z", 7), "[]"], reason: "unknown gantry" },
      { frames: ["TR1", header(G, 101), badUtf8], reason: "body: not valid UTF-8" },
      { frames: ["TR1", header(G, 102), "[{]"], reason: "body: not JSON" },
      { frames: ["TR1", header(G, 103), JSON.stringify({ reads: [] })], reason: "body: must be a JSON array" },
      // Just over the body limit, under the frame limit: answered (bigger frames drop the connection).
      { frames: ["TR1", header(G, 104), "[" + "0,".repeat(MAX_BODY_BYTES / 2) + "0]"], reason: "body too large" },
      { frames: ["TR1", header(G, 105), JSON.stringify(new Array(10_001).fill(0))], reason: "10001 reads (max 10000)" },
    ];
    for (const c of cases) {
      const r = await gantry.request(c.frames);
      expect(r.status).toBe("rejected");
      expect(r.reason).toContain(c.reason);
    }
    const dl = await tdb.db.query<{ reason: string; raw: Buffer; read_index: number | null }>(
      "select reason, raw, read_index from dead_letters where read_index is null order by id",
    );
    expect(dl.length).toBe(cases.length);
    // Raw frames are kept as sent.
    expect(decodeRawFrames(new Uint8Array(dl[8]!.raw))[2]).toEqual(badUtf8);
    expect(decodeRawFrames(new Uint8Array(dl[0]!.raw)).length).toBe(2);
    // Rejected batches were not recorded: the corrected message is accepted under the same number.
    const fixed = await gantry.request(["TR1", header(G, 102), JSON.stringify([{ tag: tagOf(40), ts: iso(T0 + 2_400_000), class: 31 }])]);
    expect(fixed.status).toBe("ok");
    const m = await fetch(ingest.metricsUrl!).then((r) => r.text());
    expect(m).toMatch(/tollway_ingest_batches_total\{status="rejected"\} 13/);
    expect(m).toContain('tollway_ingest_rejects_total{reason="unknown gantry"} 1');
    expect(m).toContain("tollway_ingest_commit_seconds_count");
  });

  test("a frame over the frame limit drops its connection unread: no reply, nothing stored; other gantries are served, and a full 1 MiB batch of 10 000 reads is taken", async () => {
    const big = new RawGantry(ingest.endpoint);
    const other = new RawGantry(ingest.endpoint);
    try {
      const before = await tdb.db.one<{ dl: number; b: number }>(
        "select (select count(*)::int from dead_letters) as dl, (select count(*)::int from ingest_batches) as b",
      );
      await big.send(["TR1", header(G, 200), new Uint8Array(MAX_FRAME_BYTES + 1).fill(0x20)]);
      // Meanwhile another gantry is answered as usual.
      const r = await other.request(["TR1", header("01F0029S", 1), JSON.stringify([{ tag: tagOf(50), ts: iso(T0 + 3_000_000), class: 31 }])]);
      expect(r).toMatchObject({ status: "ok", accepted: 1 });
      await Bun.sleep(500);
      expect(big.replies.length).toBe(0);
      const after = await tdb.db.one<{ dl: number; b: number }>(
        "select (select count(*)::int from dead_letters) as dl, (select count(*)::int from ingest_batches) as b",
      );
      expect(after).toEqual({ dl: before.dl, b: before.b + 1 });
      // The largest batch TR1 allows still goes through.
      const reads = Array.from({ length: 10_000 }, (_, i) => ({
        tag: tagOf(100_000 + i),
        ts: iso(T0 + 3_600_000 + i),
        lane: 1 + (i % 3),
        class: 31,
        conf: 0.875,
      }));
      const body = JSON.stringify(reads);
      expect(body.length).toBeGreaterThan(0.9 * MAX_BODY_BYTES);
      expect(body.length).toBeLessThanOrEqual(MAX_BODY_BYTES);
      const full = await other.request(["TR1", header("01F0029S", 2), body]);
      expect(full).toEqual({ batch: 2, status: "ok", accepted: 10_000, rejected: 0, errors: [] });
    } finally {
      big.close();
      other.close();
    }
  });
});
