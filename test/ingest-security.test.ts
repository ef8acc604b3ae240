import { describe, expect, test } from "bun:test";
import { header, tagOf, useCurveIngest } from "./support/ingest.ts";
import { curveKeypair } from "../ingest/zmq/index.ts";

const iso = (ms: number) => new Date(ms).toISOString();
const T0 = Date.parse("2026-11-26T08:00:00Z");

const t = useCurveIngest({ refreshIntervalMs: 200 });

describe("ingest security (CURVE)", () => {
  test("a registered gantry key connects and writes as its own gantry", async () => {
    const g = t.gantryWith(t.north);
    const r = await g.request(["TR1", header("01F0017N", 1), JSON.stringify([{ tag: tagOf(1), ts: iso(T0), class: 31 }])]);
    expect(r.status).toBe("ok");
    expect((await t.tdb.db.one<{ n: number }>("select count(*)::int as n from passages where gantry_id = '01F0017N'")).n).toBe(1);
  });

  test("a gantry cannot write as another gantry", async () => {
    const g = t.gantryWith(t.north);
    const r = await g.request(["TR1", header("01F0005S", 1), JSON.stringify([{ tag: tagOf(2), ts: iso(T0), class: 31 }])]);
    expect(r.status).toBe("rejected");
    expect(r.reason).toContain("gantry mismatch");
    expect((await t.tdb.db.one<{ n: number }>("select count(*)::int as n from passages where gantry_id = '01F0005S'")).n).toBe(0);
    const dl = await t.tdb.db.one<{ gantry_id: string; reason: string }>("select gantry_id, reason from dead_letters where reason like 'gantry mismatch%'");
    // Recorded under the authenticated identity, not the claimed one.
    expect(dl.gantry_id).toBe("01F0017N");
  });

  test("an unregistered key cannot connect; a revoked key stops working", async () => {
    const intruder = t.gantryWith(curveKeypair());
    const until = Date.now() + 800;
    while (Date.now() < until) {
      try {
        await intruder.send(["TR1", header("01F0017N", 50), "[]"], 50);
      } catch {
        // not connected: expected
      }
      await Bun.sleep(20);
    }
    await Bun.sleep(200);
    expect(intruder.replies.length).toBe(0);
    expect((await t.tdb.db.one<{ n: number }>("select count(*)::int as n from ingest_batches where batch_no = 50")).n).toBe(0);
    const m = t.ingest.registry.render();
    expect(m).toMatch(/tollway_ingest_zap_total\{result="refused"\} [1-9]/);

    await t.tdb.db.query("update gantry_keys set revoked_at = now() where gantry_id = '01F0005S'");
    await Bun.sleep(500); // the key list refreshes every 200 ms in this test
    const revoked = t.gantryWith(t.south);
    const until2 = Date.now() + 600;
    while (Date.now() < until2) {
      await revoked.send(["TR1", header("01F0005S", 60), "[]"], 50).catch(() => undefined);
      await Bun.sleep(20);
    }
    expect(revoked.replies.length).toBe(0);
  });
});
