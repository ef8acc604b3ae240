import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { loadGantries, loadTollZones, mapZonesToGantries } from "../core/seed/network-data.ts";
import { SettlementScheduler } from "../core/settlement/settlement-scheduler.ts";
import { SettlementService } from "../core/settlement/settlement-service.ts";
import type { IngestService } from "../ingest/service/ingest-service.ts";
import { createTestGateway, expectJson, type TestGateway } from "./support/gateway.ts";
import { RawGantry, header, startIngest } from "./support/ingest.ts";
import { keelungToRende } from "./support/tolling.ts";

/**
 * Late passages: the gantries of the second half of a Keelung end -> Tainan/Rende trip are offline
 * for 26 h and flush their outbox after the day was settled. The scheduler settles the day again on
 * its next tick: the trip is charged exactly the official NT$328, the late part as an adjustment.
 */
let gw: TestGateway;
let ingest: IngestService;
let gantry: RawGantry;
const DAY = "2024-05-14";
const TAG = "E2800000000000000000147E";
let accountId: number;
let now = new Date(`${DAY}T23:00:00+08:00`);
let scheduler: SettlementScheduler;

const route = () => {
  const today = mapZonesToGantries(loadTollZones(), loadGantries());
  return keelungToRende().map((z) => today.get(z) ?? z);
};
const t0 = Date.parse(`${DAY}T08:00:00+08:00`);
const send = async (gantries: string[], offset: number) => {
  for (const [i, g] of gantries.entries()) {
    const ts = new Date(t0 + (offset + i) * 90_000).toISOString();
    expect(await gantry.request(["TR1", header(g, 1), JSON.stringify([{ tag: TAG, ts, lane: 1, class: 31 }])])).toMatchObject({ status: "ok", accepted: 1 });
  }
};
const ledger = async () =>
  (await expectJson(await gw.request(`/v1/accounts/${accountId}/ledger`, { role: "auditor" }), 200)).items
    .filter((e: any) => e.kind !== "topup")
    .map((e: any) => [e.kind, e.amountTenths])
    .reverse();

beforeAll(async () => {
  gw = await createTestGateway();
  ingest = await startIngest(gw.testDb.db);
  gantry = new RawGantry(ingest.endpoint);
  const a = await expectJson(await gw.request("/v1/accounts", { method: "POST", role: "toll_operator", json: { name: "Late" } }), 201);
  accountId = a.id;
  await expectJson(await gw.request(`/v1/accounts/${a.id}/top-ups`, { method: "POST", role: "toll_operator", json: { amountTenths: 10_000 } }), 201);
  await expectJson(await gw.request("/v1/tags", { method: "POST", role: "toll_operator", json: { id: TAG, accountId: a.id, vehicleClass: 31 } }), 201);
  const clock = () => now;
  scheduler = new SettlementScheduler(gw.testDb.db, new SettlementService(gw.testDb.db, { timeZone: "Asia/Taipei", clock }), {
    timeZone: "Asia/Taipei",
    clock,
  });
}, 60_000);

afterAll(async () => {
  await scheduler?.stop();
  gantry?.close();
  await ingest?.stop();
  await gw?.close();
});

describe("late passages", () => {
  test("a day settled before a gantry flushed its outbox is settled again on the next tick: NT$328 in all, once", async () => {
    const all = route();
    // The first 31 gantries were online; the rest reach the ingest 26 h later.
    await send(all.slice(0, 31), 0);
    now = new Date(`${DAY}T23:59:00+08:00`);
    now = new Date(now.getTime() + 15 * 60_000); // 00:14 the next day: the day is over, grace included
    expect(await scheduler.tick()).toMatchObject({ settled: [DAY], resettled: [] });
    // The first half: posted NT$166.2 at today's gantries, less the free 20 km (NT$24.0) = NT$142.2,
    // rounded to the whole dollar = NT$142.
    const posted = await gw.testDb.db.one<{ t: number }>("select sum(posted_price_tenths)::int as t from passages where tag_id = $1", [TAG]);
    expect(posted.t).toBe(1662);
    expect(await ledger()).toEqual([["toll", -1420]]);

    now = new Date(t0 + 26 * 3_600_000);
    await send(all.slice(31), 31);
    expect(await scheduler.tick()).toMatchObject({ settled: [], resettled: [DAY] });
    expect(await ledger()).toEqual([
      ["toll", -1420],
      ["toll_adjustment", -1860],
    ]);
    const s = (await expectJson(await gw.request(`/v1/settlements?day=${DAY}`, { role: "auditor" }), 200)).items;
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({ passages: 62, payableTenths: 3280, revision: 2 });
    // Nothing new: the next ticks leave the day alone.
    now = new Date(now.getTime() + 60_000);
    expect(await scheduler.tick()).toMatchObject({ settled: [], resettled: [] });
    expect((await ledger()).length).toBe(2);
  });
});
