import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { repriceDay } from "../core/settlement/reprice.ts";
import type { IngestService } from "../ingest/service/ingest-service.ts";
import { createTestGateway, expectJson, type TestGateway } from "./support/gateway.ts";
import { RawGantry, header, startIngest } from "./support/ingest.ts";
import { settleThroughApi } from "./support/tolling.ts";

/**
 * Congestion prices through the real ingest and settlement, with exact amounts. Three consecutive
 * priced segments on 01F southbound (Taipei -> Sanchong -> Wugu -> Linkou), a price log with
 * prices changing every 5 minutes, and three cars whose reads reach the ingest over TR1:
 *  A enters at 01F0264S when S1 is 1.5x and passes 01F0293S after it rose to 2.0x: pays 1.5x (entry lock);
 *  B enters at 2.0x, S1 falls to 1.25x before its gantry: pays 1.25x (charge the lower);
 *  C enters by a ramp inside S1 (no upstream read): the gantry read is its entry.
 * Posted prices (car, NT$0.1): 01F0182S 70, 0248 25, 0264 24, 0293 70, 0339 16, 0376 78, 0413 16,
 * 0467 81, 0511 38, 0532 34, 0557 26, 0578 61, 0633 31.
 */
const DAY = "2024-05-14";
const S1 = ["01F0264S", "01F0293S"] as const;
const S2 = ["01F0293S", "01F0339S"] as const;
const S3 = ["01F0339S", "01F0376S"] as const;
const at = (hhmm: string) => `${DAY}T${hhmm}:00+08:00`;
// Multipliers effective at 08:00, 08:05, 08:10 and 08:15 (each announced 4 min 40 s before).
const LOG: [readonly [string, string], number[]][] = [
  [S1, [1500, 2000, 1250, 1000]],
  [S2, [1750, 2500, 2500, 1000]],
  [S3, [1000, 3000, 2000, 1000]],
];
const TAG_A = "E28000000000000000C0A001";
const TAG_B = "E28000000000000000C0A002";
const PLATE_C = "CNG-0003";
const trips: { id: { tag: string } | { plate: string; conf: number }; reads: [string, string][] }[] = [
  {
    id: { tag: TAG_A },
    reads: [
      ["01F0182S", "07:58"],
      ["01F0248S", "08:00"],
      ["01F0264S", "08:02"],
      ["01F0293S", "08:06"],
      ["01F0339S", "08:08"],
      ["01F0376S", "08:11"],
      ["01F0413S", "08:13"],
      ["01F0467S", "08:15"],
    ],
  },
  {
    id: { tag: TAG_B },
    reads: [
      ["01F0264S", "08:09"],
      ["01F0293S", "08:11"],
      ["01F0339S", "08:13"],
      ["01F0376S", "08:16"],
      ["01F0413S", "08:18"],
      ["01F0467S", "08:20"],
      ["01F0511S", "08:22"],
      ["01F0532S", "08:24"],
      ["01F0557S", "08:26"],
      ["01F0578S", "08:28"],
      ["01F0633S", "08:30"],
    ],
  },
  {
    id: { plate: PLATE_C, conf: 0.97 },
    reads: [
      ["01F0293S", "08:07"],
      ["01F0339S", "08:09"],
      ["01F0376S", "08:14"],
      ["01F0413S", "08:16"],
      ["01F0467S", "08:18"],
    ],
  },
];

let gw: TestGateway;
let ingest: IngestService;
let gantry: RawGantry;
const accounts: Record<string, number> = {};

beforeAll(async () => {
  gw = await createTestGateway();
  ingest = await startIngest(gw.testDb.db);
  gantry = new RawGantry(ingest.endpoint);
  for (const tag of [TAG_A, TAG_B]) {
    const a = await expectJson(await gw.request("/v1/accounts", { method: "POST", role: "toll_operator", json: { name: `Congestion ${tag.slice(-1)}` } }), 201);
    accounts[tag] = a.id;
    await expectJson(await gw.request(`/v1/accounts/${a.id}/top-ups`, { method: "POST", role: "toll_operator", json: { amountTenths: 10_000 } }), 201);
    await expectJson(await gw.request("/v1/tags", { method: "POST", role: "toll_operator", json: { id: tag, accountId: a.id, vehicleClass: 31 } }), 201);
  }
  const db = gw.testDb.db;
  for (const [[f, g], prices] of LOG) {
    await db.query("insert into priced_segments (from_gantry, to_gantry) values ($1, $2)", [f, g]);
    for (const [k, permille] of prices.entries()) {
      const effective = Date.parse(at("08:00")) + k * 300_000;
      await db.query(
        "insert into price_log (from_gantry, to_gantry, announced_at, effective_from, permille, volume, reason) values ($1, $2, $3, $4, $5, 40, 'test')",
        [f, g, new Date(effective - 280_000), new Date(effective), permille],
      );
    }
  }
  // One TR1 batch per gantry, its reads in time order, as a reader sends them.
  const byGantry = new Map<string, object[]>();
  for (const t of trips) {
    for (const [g, hhmm] of t.reads) byGantry.set(g, [...(byGantry.get(g) ?? []), { ...t.id, ts: new Date(at(hhmm)).toISOString(), lane: 1, class: 31 }]);
  }
  for (const [g, reads] of byGantry) {
    reads.sort((a: any, b: any) => a.ts.localeCompare(b.ts));
    expect(await gantry.request(["TR1", header(g, 1), JSON.stringify(reads)])).toMatchObject({ status: "ok", accepted: reads.length });
  }
}, 60_000);

afterAll(async () => {
  gantry?.close();
  await ingest?.stop();
  await gw?.close();
});

describe("congestion prices in settlement", () => {
  test("entry lock and charge-the-lower: the exact amounts charged, billed and re-priced from the log", async () => {
    const run = await settleThroughApi(gw, DAY);
    expect(run).toMatchObject({ status: "done", vehicles: 3 });
    const items: any[] = (await expectJson(await gw.request(`/v1/settlements?day=${DAY}`, { role: "auditor" }), 200)).items;
    const byKey = (pred: (s: any) => boolean) => items.find(pred)!;
    // A: fixed 380; 01F0293S 70 x 1.5 (entry, not 2.0 at the gantry) = 105, 01F0339S 16 x 1.75 (S2 at the
    // section entry 08:02, not 2.5) = 28, 01F0376S 78 x 1.0 (entry) = 78: posted 427, 47 of it congestion;
    // less the free NT$24.0 = 18.7, rounded half-up: NT$19.
    expect(byKey((s) => s.tagId === TAG_A)).toMatchObject({ passages: 8, postedTotalTenths: 427, congestionTenths: 47, freeTenths: 240, payableTenths: 190 });
    // B: fixed 475; 01F0293S: 2.0 at entry, 1.25 at the gantry: floor(87.5) = 87; 01F0339S 16 x 2.5 = 40;
    // 01F0376S: 3.0 at entry, the fixed rate at 08:16: 78. Posted 516 (41), less 24.0 = 27.6: NT$28.
    expect(byKey((s) => s.tagId === TAG_B)).toMatchObject({ passages: 11, postedTotalTenths: 516, congestionTenths: 41, payableTenths: 280 });
    // C: ramp entry at 01F0293S 08:07 (2.0): 140; S2 from that entry 2.5: 40; S3 3.0 at entry, 2.0 at
    // 08:14: 156; fixed 261, posted 433 (172), less 24.0 = 19.3: NT$19, billed to the plate.
    const c = byKey((s) => s.plate === PLATE_C);
    expect(c).toMatchObject({ passages: 5, postedTotalTenths: 433, congestionTenths: 172, accountId: null, payableTenths: 190 });
    const bills = (await expectJson(await gw.request(`/v1/plate-bills?plate=${PLATE_C}`, { role: "auditor" }), 200)).items;
    expect(bills.map((b: any) => b.tollTenths)).toEqual([190]);

    // Charged once each, the amounts above.
    for (const tag of [TAG_A, TAG_B]) {
      const ledger = (await expectJson(await gw.request(`/v1/accounts/${accounts[tag]}/ledger`, { role: "auditor" }), 200)).items;
      expect(ledger.filter((e: any) => e.kind !== "topup").map((e: any) => [e.kind, e.amountTenths])).toEqual([["toll", tag === TAG_A ? -190 : -280]]);
    }

    // Re-pricing every settled vehicle from the stored passages and the price log gives the same amounts.
    const audit = await repriceDay(gw.testDb.db, DAY, "Asia/Taipei");
    expect(audit).toMatchObject({ vehicles: 3, matched: 3, mismatches: [], congestionTenths: 47 + 41 + 172, congestionPassages: 7, payableTenths: 660 });

    // A re-run changes nothing: the same prices come from the same log.
    expect(await settleThroughApi(gw, DAY)).toMatchObject({ status: "done", vehicles: 3 });
    const again: any[] = (await expectJson(await gw.request(`/v1/settlements?day=${DAY}`, { role: "auditor" }), 200)).items;
    expect(again.map((s) => [s.payableTenths, s.revision]).sort()).toEqual([
      [190, 1],
      [190, 1],
      [280, 1],
    ]);
  });

  test("a quote shows the congestion price in force and the log entry behind it", async () => {
    const q = await expectJson(
      await gw.request("/v1/toll-quotes", { method: "POST", role: "auditor", json: { vehicleClass: 31, at: at("08:07"), gantries: ["01F0264S", "01F0293S"] } }),
      200,
    );
    const logged = await gw.testDb.db.one<{ id: number }>("select id from price_log where from_gantry = $1 and to_gantry = $2 and effective_from = $3", [
      ...S1,
      new Date(at("08:05")),
    ]);
    expect(q.lines[1]).toMatchObject({
      gantryId: "01F0293S",
      fixedPostedTenths: 70,
      postedTenths: 140,
      congestion: { segment: "01F0264S>01F0293S", permille: 2000, priceLogId: Number(logged.id) },
    });
    expect(q).toMatchObject({ postedTotalTenths: 164, congestionTenths: 70 });
  });

  test("the price log stays append-only", async () => {
    await expect(gw.testDb.db.query("update price_log set permille = 1000")).rejects.toThrow(/append-only/);
    await expect(gw.testDb.db.query("delete from price_log")).rejects.toThrow(/append-only/);
  });
});
