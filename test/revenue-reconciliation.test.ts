import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { loadGantries, loadTollZones, mapZonesToGantries } from "../core/seed/network-data.ts";
import { SettlementScheduler } from "../core/settlement/settlement-scheduler.ts";
import { SettlementService } from "../core/settlement/settlement-service.ts";
import type { IngestService } from "../ingest/service/ingest-service.ts";
import { createTestGateway, expectJson, type TestGateway } from "./support/gateway.ts";
import { RawGantry, header, startIngest } from "./support/ingest.ts";
import { keelungToRende } from "./support/tolling.ts";

/**
 * Reconciliation of a day read by real gantries (TR1 over libzmq): tag-only, plate-only, tag+plate,
 * split, unregistered and hotlisted vehicles, antenna duplicates, a gantry without a charging zone and
 * a late gantry. Every stored passage is in exactly one bucket, and the money equals the ledger and
 * the plate bills to the NT$0.1, through the HTTP API.
 */
let gw: TestGateway;
let ingest: IngestService;
let gantry: RawGantry;
let scheduler: SettlementScheduler;
const DAY = "2024-07-09";
let now = new Date(`${DAY}T23:00:00+08:00`);
let batch = 0;
const accounts: number[] = [];
let route: string[];
let noZone: string;

type Read = { tag?: string; plate?: string; ts: string; lane: number; class: number; conf?: number };
const t0 = Date.parse(`${DAY}T10:00:00+08:00`);
const at = (i: number, ms = 0) => new Date(t0 + i * 90_000 + ms).toISOString();
async function send(g: string, reads: Read[]) {
  expect(await gantry.request(["TR1", header(g, ++batch), JSON.stringify(reads)])).toMatchObject({ status: "ok", accepted: reads.length });
}
async function registered(plate: string, tag: string | null): Promise<number> {
  const a = await expectJson(await gw.request("/v1/accounts", { method: "POST", role: "toll_operator", json: { name: plate } }), 201);
  await expectJson(await gw.request(`/v1/accounts/${a.id}/top-ups`, { method: "POST", role: "toll_operator", json: { amountTenths: 20_000 } }), 201);
  const v = await expectJson(
    await gw.request(`/v1/accounts/${a.id}/vehicles`, { method: "POST", role: "toll_operator", json: { plate, vehicleClass: 31 } }),
    201,
  );
  if (tag) await expectJson(await gw.request("/v1/tags", { method: "POST", role: "toll_operator", json: { id: tag, accountId: a.id, vehicleId: v.id } }), 201);
  accounts.push(a.id);
  return a.id;
}
const reconciliation = async () => expectJson(await gw.request(`/v1/reconciliation?day=${DAY}`, { role: "auditor" }), 200);
const count = (r: any, bucket: string) => r.buckets[bucket].passages;

beforeAll(async () => {
  gw = await createTestGateway();
  ingest = await startIngest(gw.testDb.db);
  gantry = new RawGantry(ingest.endpoint);
  const clock = () => now;
  scheduler = new SettlementScheduler(gw.testDb.db, new SettlementService(gw.testDb.db, { timeZone: "Asia/Taipei", clock }), {
    timeZone: "Asia/Taipei",
    clock,
  });
  const today = mapZonesToGantries(loadTollZones(), loadGantries());
  route = keelungToRende().map((z) => today.get(z) ?? z);
  noZone = (
    await gw.testDb.db.one<{ id: string }>(
      "select g.id from gantries g where not exists (select 1 from tariff_zones z where z.gantry_id = g.id) order by g.id limit 1",
    )
  ).id;
  await registered("TAG-0001", "E28000000000000000000001"); // tag only
  await registered("PLT-0002", null); // plate only, registered
  await registered("SPL-0003", "E28000000000000000000003"); // split tag / plate
  await registered("HOT-0004", "E28000000000000000000004"); // stolen below
  await expectJson(await gw.request("/v1/tags/E28000000000000000000004/status", { method: "POST", role: "toll_operator", json: { status: "stolen" } }), 200);

  // 30 zones from Keelung end; the last 10 gantries are the "late" ones, flushed after settlement.
  for (let i = 0; i < 20; i++) {
    const reads: Read[] = [
      { tag: "E28000000000000000000001", ts: at(i), lane: 1, class: 31 },
      { tag: "E28000000000000000000001", ts: at(i, 300), lane: 2, class: 31 }, // antenna duplicate
      { plate: "PLT-0002", ts: at(i), lane: 2, class: 31, conf: 0.9 },
      i % 2
        ? { plate: "SPL-0003", ts: at(i), lane: 3, class: 31, conf: 0.9 }
        : { tag: "E28000000000000000000003", plate: "SPL-0003", ts: at(i), lane: 3, class: 31 },
      { plate: "UNR-0005", ts: at(i), lane: 1, class: 31, conf: 0.9 }, // unregistered plate: billed
      { tag: "E280000000000000000000FF", ts: at(i), lane: 2, class: 31 }, // unregistered tag alone: unbillable
      { tag: "E28000000000000000000004", ts: at(i), lane: 3, class: 31 }, // stolen, no plate: unbillable
    ];
    if (i < 3) reads.push({ plate: "FRE-0006", ts: at(i), lane: 1, class: 31, conf: 0.9 }); // 3 zones: under the free 20 km
    await send(route[i]!, reads);
  }
  await send(noZone, [{ tag: "E28000000000000000000001", ts: at(40), lane: 1, class: 31 }]);
}, 120_000);

afterAll(async () => {
  await scheduler?.stop();
  gantry?.close();
  await ingest?.stop();
  await gw?.close();
});

describe("revenue reconciliation of a day", () => {
  test("before settlement everything priced is pending", async () => {
    const r = await reconciliation();
    expect(r.stored).toBe(20 * 6 + 3 + 1);
    expect(count(r, "unbillable:no_zone")).toBe(1);
    expect(count(r, "pending")).toBe(20 * 6 + 3);
    expect(r.money).toEqual({ chargedTenths: 0, ledgerTenths: 0, billedTenths: 0, plateBillTenths: 0, unbillableTenths: 0 });
    expect(r.balanced).toBe(true);
  });

  test("settled, then a late gantry: its passages are pending until the next tick; then every passage in one bucket and the money adds up", async () => {
    now = new Date(`${DAY}T23:59:00+08:00`);
    now = new Date(now.getTime() + 15 * 60_000);
    expect(await scheduler.tick()).toMatchObject({ settled: [DAY] });
    // The late gantries flush their outbox: the tag-only car's last 10 zones.
    for (let i = 20; i < 30; i++) await send(route[i]!, [{ tag: "E28000000000000000000001", ts: at(i), lane: 1, class: 31 }]);
    const mid = await reconciliation();
    expect(count(mid, "pending")).toBe(10);
    now = new Date(now.getTime() + 60_000);
    expect(await scheduler.tick()).toMatchObject({ resettled: [DAY] });

    const r = await reconciliation();
    expect(r.stored).toBe(20 * 6 + 3 + 1 + 10);
    const buckets = Object.fromEntries(Object.entries(r.buckets).map(([k, v]: [string, any]) => [k, v.passages]));
    expect(buckets).toEqual({
      charged: 30 + 20 + 20, // tag-only (its no-zone read is not priced), plate-only, split
      billed: 20,
      no_charge: 3,
      pending: 0,
      "unbillable:no_zone": 1,
      "unbillable:hotlist": 20,
      "unbillable:no_plate": 20,
    });
    // Every passage in exactly one bucket, per gantry too.
    expect(Object.values(buckets).reduce((a: number, b) => a + (b as number), 0)).toBe(r.stored);
    for (const g of r.gantries) expect(Object.values(g.buckets).reduce((a: number, b: any) => a + b.passages, 0)).toBe(g.stored);

    // The money: the ledger of every account and the plate bills, read through the API.
    let ledger = 0;
    for (const a of accounts) {
      const entries = (await expectJson(await gw.request(`/v1/accounts/${a}/ledger`, { role: "auditor" }), 200)).items;
      for (const e of entries) if (e.kind === "toll" || e.kind === "toll_adjustment") ledger -= e.amountTenths;
    }
    const bills = (await expectJson(await gw.request("/v1/plate-bills?limit=100", { role: "auditor" }), 200)).items;
    const billed = bills.reduce((s: number, b: any) => s + b.tollTenths, 0);
    expect(r.money.ledgerTenths).toBe(ledger);
    expect(r.money.chargedTenths).toBe(ledger);
    expect(r.money.plateBillTenths).toBe(billed);
    expect(r.money.billedTenths).toBe(billed);
    expect(bills.map((b: any) => b.plate)).toEqual(["UNR-0005"]);
    // 20 zones posted NT$76.4 - NT$24.0 free = NT$52 a vehicle (plate-only, split, billed, hotlist, no plate);
    // the tag-only car's 30 zones NT$134: charged 134 + 52 + 52, billed 52, unbillable 52 + 52.
    expect(r.money).toEqual({ chargedTenths: 2380, ledgerTenths: 2380, billedTenths: 520, plateBillTenths: 520, unbillableTenths: 1040 });
    expect(r.balanced).toBe(true);
    console.log(JSON.stringify({ buckets, money: r.money }));

    // The rows of a bucket, for review.
    const hot = await expectJson(await gw.request(`/v1/reconciliation/passages?day=${DAY}&bucket=unbillable:hotlist&limit=100`, { role: "auditor" }), 200);
    expect(hot.items).toHaveLength(20);
    expect(new Set(hot.items.map((p: any) => p.tagId))).toEqual(new Set(["E28000000000000000000004"]));
  });
});
