import { describe, expect, test } from "bun:test";
import { loadConfig } from "../core/config/config.ts";
import { GantryClient } from "../ingest/gantry-client/index.ts";
import { decodeRawFrames } from "../ingest/service/dead-letters.ts";
import { header, tagOf, useIngestWithDefaultWindow } from "./support/ingest.ts";

// Reads a gantry sends may hold text PostgreSQL cannot store (NUL, lone UTF-16 surrogates) or JSON
// that jsonb refuses. None of it may cost the good reads of the batch: the batch is answered "ok",
// the good reads are stored, each bad one is dead-lettered with its reason and its exact content.
// Reads are stamped now, and the ingest runs with the default read-time window.
const G = "01F0017N";
const G2 = "01F0029S";
const defaults = loadConfig({}).ingest;

const t = useIngestWithDefaultWindow({ metricsPort: 0 });

const iso = (ms: number) => new Date(ms).toISOString();
const goodReads = (n: number, from: number) =>
  Array.from({ length: n }, (_, i) => ({ tag: tagOf(from + i), ts: iso(Date.now() - 60_000 + i * 10), lane: 1, class: 31 }));

interface DeadLetter extends Record<string, unknown> {
  read_index: number | null;
  reason: string;
  payload: unknown;
  payload_text: string | null;
  raw: Buffer | null;
}

const deadLetters = (batch: number) =>
  t.tdb.db.query<DeadLetter>(
    "select read_index, reason, payload, payload_text, raw from dead_letters where gantry_id = $1 and batch_no = $2 order by read_index",
    [G, batch],
  );
const passagesOf = async (batch: number) =>
  (await t.tdb.db.one<{ n: number }>("select count(*)::int as n from passages where gantry_id = $1 and batch_no = $2", [G, batch])).n;

describe("poisoned reads", () => {
  test("100 good reads and one whose plate holds \\u0000: ok, the 100 stored, the bad one dead-lettered with its reason and exact content", async () => {
    const poisoned = { plate: "AB\u0000C", ts: iso(Date.now()), class: 31 };
    const reads = [...goodReads(100, 1000), poisoned];
    // JSON.stringify writes the NUL as the escape \u0000, as a gantry would send it.
    expect(JSON.stringify(reads)).toContain("\\u0000");
    const reply = await t.gantry.request(["TR1", header(G, 1), JSON.stringify(reads)]);
    expect(reply).toEqual({ batch: 1, status: "ok", accepted: 100, rejected: 1, errors: [{ i: 100, reason: "plate: contains a NUL character" }] });
    expect(await passagesOf(1)).toBe(100);
    const b = await t.tdb.db.one("select reads, accepted, rejected from ingest_batches where gantry_id = $1 and batch_no = 1", [G]);
    expect(b).toEqual({ reads: 101, accepted: 100, rejected: 1 });
    const [dl, ...more] = await deadLetters(1);
    expect(more).toEqual([]);
    expect(dl!.read_index).toBe(100);
    expect(dl!.reason).toBe("plate: contains a NUL character");
    // jsonb refuses \u0000: the read is kept as its JSON text, and reads back exactly.
    expect(dl!.payload).toBeNull();
    expect(JSON.parse(dl!.payload_text!)).toEqual(poisoned);
    // A resend is a duplicate with the same counts: nothing is lost or stored twice.
    const again = await t.gantry.request(["TR1", header(G, 1), JSON.stringify(reads)]);
    expect(again).toMatchObject({ status: "duplicate", accepted: 100, rejected: 1 });
    expect(await passagesOf(1)).toBe(100);
  });

  test("lone surrogates, NUL in a tag or in fields the ingest ignores, and nesting jsonb cannot parse: each dead-lettered, exactly", async () => {
    const ts = iso(Date.now());
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i++) deep = [deep];
    const bad: { read: unknown; reason: string }[] = [
      { read: { plate: "AB\ud800", ts, class: 31 }, reason: "plate: contains a lone UTF-16 surrogate" },
      { read: { tag: "E280\udc00", ts, class: 31 }, reason: "tag: contains a lone UTF-16 surrogate" },
      { read: { tag: "E280\u00001234", ts, class: 31 }, reason: "tag: contains a NUL character" },
      { read: { tag: tagOf(7), ts: "2026-12-01T00:00:00\u0000Z", class: 31 }, reason: "ts: contains a NUL character" },
      // Bad for an ordinary reason, with text jsonb refuses in a field the ingest does not know.
      { read: { tag: tagOf(8), ts, class: 33, firmware: "v1\u0000", note: "\udfff" }, reason: "class: must be one of 31, 32, 41, 42, 5" },
      // ~20 000 levels: JSON.parse takes it, PostgreSQL's jsonb parser runs out of stack.
      { read: deep, reason: "read must be an object" },
    ];
    const plain = { tag: "NOT-HEX", ts, class: 31 };
    const reads = [...goodReads(50, 2000), ...bad.map((b) => b.read), plain];
    const reply = await t.gantry.request(["TR1", header(G, 2), JSON.stringify(reads)]);
    expect(reply.status).toBe("ok");
    expect(reply.accepted).toBe(50);
    expect(reply.errors).toEqual([...bad.map((b, k) => ({ i: 50 + k, reason: b.reason })), { i: 56, reason: "tag: must be 8-64 hex characters" }]);
    expect(await passagesOf(2)).toBe(50);
    const dl = await deadLetters(2);
    expect(dl.map((d) => d.read_index)).toEqual([50, 51, 52, 53, 54, 55, 56]);
    for (const [k, b] of bad.entries()) {
      expect(dl[k]!.reason).toBe(b.reason);
      expect(dl[k]!.payload).toBeNull();
      // The text is JSON.stringify of what arrived: parsing it gives the read back, surrogates and all.
      expect(dl[k]!.payload_text).toBe(JSON.stringify(b.read));
    }
    expect(JSON.parse(dl[0]!.payload_text!)).toEqual(bad[0]!.read);
    expect((JSON.parse(dl[4]!.payload_text!) as { note: string }).note).toBe("\udfff");
    // A read jsonb can hold stays queryable as jsonb.
    expect(dl[6]!.payload).toEqual(plain);
    expect(dl[6]!.payload_text).toBeNull();
  });

  test("whole messages with such text in the header or body are rejected with a reason and kept raw; the service goes on", async () => {
    const enc = new TextEncoder();
    const nulBody = enc.encode('[{"tag":"E2801234","ts":"x","class":31}]\u0000');
    const cases: { frames: (string | Uint8Array)[]; reason: string }[] = [
      { frames: ["TR1", `{"gantry":"${G}","batch":10,"sent":"\\ud800"}`, "[]"], reason: "header: sent: must be an ISO 8601 time with a zone" },
      {
        frames: ["TR1", `{"gantry":"01F0017\\u0000","batch":11,"sent":"${iso(Date.now())}"}`, "[]"],
        reason: "header: gantry: must be a gantry id such as 01F0017N",
      },
      // PostgreSQL has no year 0: storing this sent_at used to fail the whole group.
      { frames: ["TR1", JSON.stringify({ gantry: G, batch: 12, sent: "0000-06-01T00:00:00Z" }), "[]"], reason: "header: sent: year 0000 does not exist" },
      { frames: ["TR1", header(G, 13), nulBody], reason: "body: not JSON" },
    ];
    for (const c of cases) {
      const r = await t.gantry.request(c.frames);
      expect(r.status).toBe("rejected");
      expect(r.reason).toBe(c.reason);
    }
    const dl = await t.tdb.db.query<DeadLetter & { gantry_id: string | null }>(
      "select gantry_id, read_index, reason, payload, payload_text, raw from dead_letters where read_index is null order by id",
    );
    expect(dl.map((d) => d.reason)).toEqual(cases.map((c) => c.reason));
    // The frames as received, byte for byte.
    for (const [k, c] of cases.entries()) {
      const frames = decodeRawFrames(new Uint8Array(dl[k]!.raw!));
      expect(frames).toEqual(c.frames.map((f) => (typeof f === "string" ? enc.encode(f) : f)));
    }
    expect(dl[1]!.gantry_id).toBeNull();
    // The corrected messages are accepted under the same numbers.
    for (const batch of [10, 12, 13]) {
      const r = await t.gantry.request(["TR1", header(G, batch), JSON.stringify(goodReads(1, 3000 + batch))]);
      expect(r).toMatchObject({ status: "ok", accepted: 1 });
    }
  });
});

describe("storage failures", () => {
  test("a message the database refuses is never answered rejected: it stays unacknowledged, others are served, and the resend is stored", async () => {
    // A fault the ingest cannot foresee, that is not the database being away.
    await t.tdb.db.query(`create function refuse_batch() returns trigger language plpgsql as $$
      begin if new.batch_no = 4242 then raise exception 'refused for the test'; end if; return new; end $$`);
    await t.tdb.db.query("create trigger refuse_batch before insert on ingest_batches for each row execute function refuse_batch()");
    const client = new GantryClient({ endpoint: t.ingest.endpoint, gantryId: G, ackTimeoutMs: 400 });
    const other = new GantryClient({ endpoint: t.ingest.endpoint, gantryId: G2, ackTimeoutMs: 5000 });
    try {
      const reads = goodReads(20, 4000);
      let settled: unknown;
      const pending = client.send(4242, reads).then((r) => (settled = r));
      // The other gantry's batches go through meanwhile (the first ones share groups with the refused one).
      for (let b = 1; b <= 3; b++) {
        const r = await other.send(b, goodReads(5, 5000 + b * 10));
        expect(r.reply).toMatchObject({ status: "ok", accepted: 5 });
        await Bun.sleep(300);
      }
      expect(settled).toBeUndefined();
      expect(client.stats.resends).toBeGreaterThan(0);
      expect(await passagesOf(4242)).toBe(0);
      await t.tdb.db.query("drop trigger refuse_batch on ingest_batches");
      const r = await pending;
      expect(r.reply).toEqual({ batch: 4242, status: "ok", accepted: 20, rejected: 0, errors: [] });
      expect(await passagesOf(4242)).toBe(20);
      const m = await fetch(t.ingest.metricsUrl!).then((x) => x.text());
      expect(m).toMatch(/tollway_ingest_unstored_total [1-9]/);
      expect(m).not.toContain('reason="storage"');
    } finally {
      client.close();
      other.close();
    }
  });
});
