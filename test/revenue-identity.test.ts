import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { loadGantries, loadTollZones, mapZonesToGantries } from "../core/seed/network-data.ts";
import type { IngestService } from "../ingest/service/ingest-service.ts";
import { createTestGateway, expectJson, type TestGateway } from "./support/gateway.ts";
import { RawGantry, header, startIngest } from "./support/ingest.ts";
import { keelungToRende, settleThroughApi } from "./support/tolling.ts";

/**
 * Vehicle identity, end to end: reads sent by gantries over TR1 (libzmq) to the real ingest, the day
 * settled and read back through the HTTP API, exact amounts (core/settlement/README.md, "Vehicle identity").
 */
let gw: TestGateway;
let ingest: IngestService;
let gantry: RawGantry;
const DAY = "2024-03-25";
let batch = 0;

/** Today's gantries for the official example's 62 zones (three were renumbered since 2015). */
const route = () => {
  const today = mapZonesToGantries(loadTollZones(), loadGantries());
  return keelungToRende().map((z) => today.get(z) ?? z);
};
type Read = { tag?: string; plate?: string; ts: string; lane: number; class: number; conf?: number };
async function send(g: string, reads: Read[]): Promise<void> {
  expect(await gantry.request(["TR1", header(g, ++batch), JSON.stringify(reads)])).toMatchObject({ status: "ok", accepted: reads.length });
}
async function registered(name: string, plate: string, tag: string | null, balanceTenths = 10_000) {
  const account = await expectJson(await gw.request("/v1/accounts", { method: "POST", role: "toll_operator", json: { name } }), 201);
  await expectJson(
    await gw.request(`/v1/accounts/${account.id}/top-ups`, { method: "POST", role: "toll_operator", json: { amountTenths: balanceTenths } }),
    201,
  );
  const vehicle = await expectJson(
    await gw.request(`/v1/accounts/${account.id}/vehicles`, { method: "POST", role: "toll_operator", json: { plate, vehicleClass: 31 } }),
    201,
  );
  if (tag)
    await expectJson(
      await gw.request("/v1/tags", { method: "POST", role: "toll_operator", json: { id: tag, accountId: account.id, vehicleId: vehicle.id } }),
      201,
    );
  return { accountId: account.id as number, vehicleId: vehicle.id as number };
}
const settlementsOf = async (q: string) => (await expectJson(await gw.request(`/v1/settlements?day=${DAY}&${q}`, { role: "auditor" }), 200)).items;
const billsOf = async (plate: string) => (await expectJson(await gw.request(`/v1/plate-bills?plate=${plate}`, { role: "auditor" }), 200)).items;
const ledgerOf = async (accountId: number) =>
  (await expectJson(await gw.request(`/v1/accounts/${accountId}/ledger?kind=toll`, { role: "auditor" }), 200)).items.map((e: any) => e.amountTenths);

let split: { accountId: number; vehicleId: number };
let conflictOwner: { accountId: number; vehicleId: number };
let plateOwner: { accountId: number; vehicleId: number };

beforeAll(async () => {
  gw = await createTestGateway();
  ingest = await startIngest(gw.testDb.db);
  gantry = new RawGantry(ingest.endpoint);
  split = await registered("Split trip", "SPL-0328", "E2800000000000000000A328");
  conflictOwner = await registered("Tag owner", "OWN-0001", "E2800000000000000000C001");
  plateOwner = await registered("Plate owner", "OTH-0002", null);

  const t0 = Date.parse(`${DAY}T08:00:00+08:00`);
  for (const [i, g] of route().entries()) {
    const ts = new Date(t0 + i * 90_000).toISOString();
    const later = new Date(t0 + i * 90_000 + 200).toISOString();
    const reads: Read[] = [];
    // The split trip: tag and plate at even gantries, the plate only at odd ones; and at the first
    // gantry a plate-only read 200 ms after the tag+plate read (another antenna): one passage.
    if (i % 2 === 0) reads.push({ tag: "E2800000000000000000A328", plate: "SPL-0328", ts, lane: 1, class: 31, conf: 0.97 });
    else reads.push({ plate: "SPL-0328", ts, lane: 1, class: 31, conf: 0.93 });
    if (i === 0) reads.push({ plate: "SPL-0328", ts: later, lane: 2, class: 31, conf: 0.9 });
    // An unregistered tag, read with its plate all the way.
    reads.push({ tag: "E28000000000000000000BAD", plate: "UNR-0001", ts, lane: 2, class: 31, conf: 0.96 });
    // A registered tag read with the plate of another account's registered vehicle, at the first 3 gantries.
    if (i < 3) reads.push({ tag: "E2800000000000000000C001", plate: "OTH-0002", ts, lane: 3, class: 31, conf: 0.6 });
    await send(g, reads);
  }
  expect((await settleThroughApi(gw, DAY)).status).toBe("done");
}, 120_000);

afterAll(async () => {
  gantry?.close();
  await ingest?.stop();
  await gw?.close();
});

describe("vehicle identity", () => {
  test("a trip split between tag reads and plate-only reads is one vehicle: the official NT$328 once, no plate bill", async () => {
    const s = await settlementsOf(`vehicleKey=vehicle:${split.vehicleId}`);
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({ passages: 62, payableTenths: 3280, accountId: split.accountId, tagId: "E2800000000000000000A328", plate: "SPL-0328" });
    expect(await ledgerOf(split.accountId)).toEqual([-3280]);
    expect(await billsOf("SPL-0328")).toEqual([]);
    // No other settlement names this car by its plate or its tag.
    expect(await settlementsOf("vehicleKey=plate:SPL-0328")).toEqual([]);
    expect(await settlementsOf("vehicleKey=E2800000000000000000A328")).toEqual([]);
  });

  test("a tag+plate read and a plate-only read of the car 200 ms apart at one gantry are one passage", async () => {
    const first = route()[0]!;
    const rows = await gw.testDb.db.query<{ raw_reads: number; tag_id: string | null }>(
      "select raw_reads, tag_id from passages where gantry_id = $1 and vehicle_key = $2",
      [first, `vehicle:${split.vehicleId}`],
    );
    expect(rows).toEqual([{ raw_reads: 2, tag_id: "E2800000000000000000A328" }]);
  });

  test("an unregistered tag read with a plate is billed to the plate", async () => {
    const s = await settlementsOf("vehicleKey=plate:UNR-0001");
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({ passages: 62, payableTenths: 3280, accountId: null, tagId: "E28000000000000000000BAD" });
    const bills = await billsOf("UNR-0001");
    expect(bills).toHaveLength(1);
    expect(bills[0]).toMatchObject({ localDay: DAY, tollTenths: 3280, outstandingTenths: 3280, settlementId: s[0].id, status: "open" });
  });

  test("a registered tag read with another vehicle's plate: the tag decides, the read is listed for review", async () => {
    const s = await settlementsOf(`vehicleKey=vehicle:${conflictOwner.vehicleId}`);
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({ passages: 3, accountId: conflictOwner.accountId });
    // Nothing charged to the owner of the plate that was read.
    expect(await settlementsOf(`vehicleKey=vehicle:${plateOwner.vehicleId}`)).toEqual([]);
    expect(await ledgerOf(plateOwner.accountId)).toEqual([]);
    const review = await expectJson(await gw.request("/v1/passages?identityConflict=true&limit=50", { role: "auditor" }), 200);
    expect(review.items.map((p: any) => [p.tagId, p.plate, p.vehicleKey, p.identityConflict])).toEqual(
      Array(3).fill(["E2800000000000000000C001", "OTH-0002", `vehicle:${conflictOwner.vehicleId}`, true]),
    );
  });
});
