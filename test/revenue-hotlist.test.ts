import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { loadGantries, loadTollZones, mapZonesToGantries } from "../core/seed/network-data.ts";
import type { IngestService } from "../ingest/service/ingest-service.ts";
import { createTestGateway, expectJson, type TestGateway } from "./support/gateway.ts";
import { RawGantry, header, startIngest } from "./support/ingest.ts";
import { keelungToRende, settleThroughApi } from "./support/tolling.ts";

/**
 * Hotlist enforcement, end to end: a stolen tag driven Keelung end -> Tainan/Rende on a thief's car,
 * and a blocked tag read without a plate, through the real ingest (TR1 over libzmq) and the HTTP API.
 */
let gw: TestGateway;
let ingest: IngestService;
let gantry: RawGantry;
const DAY = "2024-04-02";
const STOLEN = "E28000000000000000057013";
const BLOCKED = "E280000000000000000B10C4";
let owner: number;
let other: number;
let route: string[];

async function account(name: string, plate: string, tag: string): Promise<number> {
  const a = await expectJson(await gw.request("/v1/accounts", { method: "POST", role: "toll_operator", json: { name } }), 201);
  await expectJson(await gw.request(`/v1/accounts/${a.id}/top-ups`, { method: "POST", role: "toll_operator", json: { amountTenths: 10_000 } }), 201);
  const v = await expectJson(
    await gw.request(`/v1/accounts/${a.id}/vehicles`, { method: "POST", role: "toll_operator", json: { plate, vehicleClass: 31 } }),
    201,
  );
  await expectJson(await gw.request("/v1/tags", { method: "POST", role: "toll_operator", json: { id: tag, accountId: a.id, vehicleId: v.id } }), 201);
  return a.id;
}
const tolls = async (accountId: number) =>
  (await expectJson(await gw.request(`/v1/accounts/${accountId}/ledger?kind=toll`, { role: "auditor" }), 200)).items.map((e: any) => e.amountTenths);

beforeAll(async () => {
  gw = await createTestGateway();
  ingest = await startIngest(gw.testDb.db);
  gantry = new RawGantry(ingest.endpoint);
  owner = await account("Owner", "OWN-7777", STOLEN);
  other = await account("Blocked", "BLK-0001", BLOCKED);
  await expectJson(
    await gw.request(`/v1/tags/${STOLEN}/status`, { method: "POST", role: "toll_operator", json: { status: "stolen", reason: "car broken into" } }),
    200,
  );
  await expectJson(await gw.request(`/v1/tags/${BLOCKED}/status`, { method: "POST", role: "toll_operator", json: { status: "blocked" } }), 200);

  const today = mapZonesToGantries(loadTollZones(), loadGantries());
  route = keelungToRende().map((z) => today.get(z) ?? z);
  const t0 = Date.parse(`${DAY}T09:00:00+08:00`);
  for (const [i, g] of route.entries()) {
    const ts = new Date(t0 + i * 90_000).toISOString();
    const reads: object[] = [{ tag: STOLEN, plate: "THF-0001", ts, lane: 1, class: 31, conf: 0.94 }];
    if (i < 5) reads.push({ tag: BLOCKED, ts, lane: 2, class: 31 });
    expect(await gantry.request(["TR1", header(g, i + 1), JSON.stringify(reads)])).toMatchObject({ status: "ok", accepted: reads.length });
  }
  expect((await settleThroughApi(gw, DAY)).status).toBe("done");
}, 120_000);

afterAll(async () => {
  gantry?.close();
  await ingest?.stop();
  await gw?.close();
});

describe("hotlist", () => {
  test("a stolen tag's reads are not charged to its owner: the plate read gets the bill (NT$328)", async () => {
    expect(await tolls(owner)).toEqual([]);
    const s = (await expectJson(await gw.request(`/v1/settlements?day=${DAY}&vehicleKey=plate:THF-0001`, { role: "auditor" }), 200)).items;
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({ passages: 62, payableTenths: 3280, accountId: null, tagId: STOLEN, plate: "THF-0001" });
    const bills = (await expectJson(await gw.request("/v1/plate-bills?plate=THF-0001", { role: "auditor" }), 200)).items;
    expect(bills).toHaveLength(1);
    expect(bills[0]).toMatchObject({ localDay: DAY, tollTenths: 3280, settlementId: s[0].id });
    // Nor is the owner's own plate billed.
    expect((await expectJson(await gw.request("/v1/plate-bills?plate=OWN-7777", { role: "auditor" }), 200)).items).toEqual([]);
  });

  test("every such passage is a hotlist hit with its gantry, time and plate", async () => {
    const hits = (await expectJson(await gw.request(`/v1/hotlist-hits?tagId=${STOLEN}&limit=100`, { role: "auditor" }), 200)).items;
    expect(hits).toHaveLength(62);
    const t0 = Date.parse(`${DAY}T09:00:00+08:00`);
    expect(hits.map((h: any) => [h.gantryId, h.ts, h.plate, h.tagStatus, h.ownerAccountId, h.vehicleKey]).reverse()).toEqual(
      route.map((g, i) => [g, new Date(t0 + i * 90_000).toISOString(), "THF-0001", "stolen", owner, "plate:THF-0001"]),
    );
    expect(ingest.registry.render()).toMatch(/tollway_ingest_hotlist_hits_total 67/);
  });

  test("a blocked tag read without a plate is unbillable: no charge, no bill, a hit without a plate", async () => {
    expect(await tolls(other)).toEqual([]);
    const s = (await expectJson(await gw.request(`/v1/settlements?day=${DAY}&vehicleKey=${BLOCKED}`, { role: "auditor" }), 200)).items;
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({ passages: 5, accountId: null, plate: null });
    const hits = (await expectJson(await gw.request(`/v1/hotlist-hits?tagId=${BLOCKED}`, { role: "toll_operator" }), 200)).items;
    expect(hits.map((h: any) => [h.tagStatus, h.plate, h.vehicleKey])).toEqual(Array(5).fill(["blocked", null, BLOCKED]));
  });
});
