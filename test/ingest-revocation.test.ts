import { describe, expect, test } from "bun:test";
import { header, tagOf, useCurveIngest } from "./support/ingest.ts";

/**
 * Revoking a gantry's CURVE key cuts the sessions it already has (ZAP alone only refuses new
 * handshakes): within 30 s with the default key refresh (5 s), over real CURVE sockets. ~6-8 s.
 */
const iso = (ms: number) => new Date(ms).toISOString();
const T0 = Date.parse("2026-11-26T08:00:00Z");

const t = useCurveIngest({ refreshIntervalMs: 600_000 });
const metric = (name: string, labels = ""): number => {
  const m = t.ingest.registry.render().match(new RegExp(`^${name}${labels.replace(/[{}]/g, "\\$&")} (\\d+)`, "m"));
  return m ? Number(m[1]) : 0;
};
const batches = async (gantry: string) =>
  (await t.tdb.db.query<{ batch_no: number }>("select batch_no from ingest_batches where gantry_id = $1 order by batch_no", [gantry])).map((r) =>
    Number(r.batch_no),
  );
const read = (n: number) => JSON.stringify([{ tag: tagOf(n), ts: iso(T0 + n * 1000), class: 31 }]);

describe("gantry key revocation", () => {
  test("a revoked key's open session is cut within 30 s and what it sends afterwards is refused; other gantries go on", async () => {
    const revoked = t.gantryWith(t.north);
    const other = t.gantryWith(t.south);
    expect((await revoked.request(["TR1", header("01F0017N", 1), read(1)])).status).toBe("ok");
    expect((await other.request(["TR1", header("01F0005S", 1), read(2)])).status).toBe("ok");
    const refusedBefore = metric("tollway_ingest_zap_total", '{result="refused"}');

    await t.tdb.db.query("update gantry_keys set revoked_at = now() where gantry_id = '01F0017N'");
    const revokedAt = Date.now();
    // The established session keeps sending, as a compromised gantry would, until it is cut.
    let batch = 2;
    while (metric("tollway_ingest_session_cuts_total") === 0) {
      if (Date.now() - revokedAt > 30_000) throw new Error("the revoked key's session was not cut within 30 s");
      await revoked.send(["TR1", header("01F0017N", batch++), read(batch)], 100).catch(() => undefined);
      await Bun.sleep(100);
    }
    const cutAfterMs = Date.now() - revokedAt;
    expect(cutAfterMs).toBeLessThan(30_000);
    // Batches received before the cut are still being stored (the key was valid when they came): let them land.
    await Bun.sleep(1500);
    const storedAtCut = await batches("01F0017N");

    // Cut: its socket reconnects on its own and the handshake is refused now.
    const deadline = Date.now() + 10_000;
    while (metric("tollway_ingest_zap_total", '{result="refused"}') === refusedBefore) {
      if (Date.now() > deadline) throw new Error("the revoked gantry did not try to reconnect");
      await Bun.sleep(50);
    }
    // Nothing it sends from now on is stored or answered.
    revoked.replies.length = 0;
    for (let i = 0; i < 5; i++) await revoked.send(["TR1", header("01F0017N", 1000 + i), read(1000 + i)], 100).catch(() => undefined);
    await Bun.sleep(1000);
    expect(revoked.replies.length).toBe(0);
    expect(await batches("01F0017N")).toEqual(storedAtCut);
    expect(storedAtCut.every((b) => b < 1000)).toBe(true);

    // The other gantry reconnects by itself and goes on writing.
    expect((await other.request(["TR1", header("01F0005S", 2), read(3)])).status).toBe("ok");
    expect(await batches("01F0005S")).toEqual([1, 2]);
    console.log(JSON.stringify({ cutAfterMs, batchesStoredBeforeCut: storedAtCut.length }));
  }, 60_000);
});
