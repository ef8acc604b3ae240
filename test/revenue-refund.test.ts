import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { loadGantries, loadTollZones, mapZonesToGantries } from "../core/seed/network-data.ts";
import type { IngestService } from "../ingest/service/ingest-service.ts";
import { createTestGateway, expectJson, type TestGateway } from "./support/gateway.ts";
import { RawGantry, header, startIngest } from "./support/ingest.ts";
import { keelungToRende, settleThroughApi } from "./support/tolling.ts";

/**
 * A paid plate bill re-rated: lower gives a refund due, higher a supplementary bill, through the real
 * ingest (TR1 over libzmq) and the HTTP API with exact amounts.
 */
let gw: TestGateway;
let ingest: IngestService;
let gantry: RawGantry;
const DAY = "2024-06-04";
const PLATE = "RFD-0001";
let billId: number;

const run = async () => expect((await settleThroughApi(gw, DAY)).status).toBe("done");
const bill = async (id: number) => expectJson(await gw.request(`/v1/plate-bills/${id}`, { role: "auditor" }), 200);

beforeAll(async () => {
  gw = await createTestGateway();
  ingest = await startIngest(gw.testDb.db);
  gantry = new RawGantry(ingest.endpoint);
  const today = mapZonesToGantries(loadTollZones(), loadGantries());
  const route = keelungToRende()
    .map((z) => today.get(z) ?? z)
    .slice(0, 40);
  const t0 = Date.parse(`${DAY}T06:00:00+08:00`);
  for (const [i, g] of route.entries()) {
    const ts = new Date(t0 + i * 90_000).toISOString();
    expect(await gantry.request(["TR1", header(g, 1), JSON.stringify([{ plate: PLATE, ts, lane: 1, class: 31, conf: 0.95 }])])).toMatchObject({
      status: "ok",
    });
  }
  await run();
  billId = (await expectJson(await gw.request(`/v1/plate-bills?plate=${PLATE}`, { role: "auditor" }), 200)).items[0].id;
}, 60_000);

afterAll(async () => {
  gantry?.close();
  await ingest?.stop();
  await gw?.close();
});

describe("a paid plate bill re-rated", () => {
  let specialDay: number;
  test("lower: a refund due of the difference; the paid bill keeps its amount", async () => {
    // 40 zones posted NT$228.8, less the free 20 km (NT$24.0) = NT$204.8, rounded to NT$205.
    const b = await bill(billId);
    expect(b).toMatchObject({ status: "open", tollTenths: 2050 });
    const paid = await gw.request(`/v1/plate-bills/${billId}/payments`, {
      method: "POST",
      role: "toll_operator",
      headers: { "idempotency-key": "refund-1" },
      json: { amountTenths: 2050, reference: "counter 1" },
    });
    expect(paid.status).toBe(200);
    // Free hours 06:00-06:30 declared afterwards: the first 20 passages become free; the other 20
    // posted NT$152.4, less NT$24.0 = NT$128.4, rounded to NT$128: NT$77 to refund.
    specialDay = (
      await expectJson(
        await gw.request("/v1/tariff-special-days", {
          method: "POST",
          role: "admin",
          json: { day: DAY, kind: "free_hours", freeFrom: "06:00", freeTo: "06:30", note: "declared late" },
        }),
        201,
      )
    ).id;
    await run();
    const after = await bill(billId);
    expect(after).toMatchObject({ status: "paid", tollTenths: 2050, paidTenths: 2050, supplements: [] });
    expect(after.refunds.map((r: any) => [r.amountTenths, r.status])).toEqual([[770, "due"]]);
    expect(after.events.map((e: any) => [e.kind, e.amountTenths])).toEqual([
      ["created", 2050],
      ["paid", 2050],
      ["rerated", -770],
      ["refund_due", 770],
    ]);
    // Running the day again changes nothing more.
    await run();
    expect((await bill(billId)).refunds).toHaveLength(1);
  });

  test("higher again: a supplementary bill for the difference, due later", async () => {
    expect((await gw.request(`/v1/tariff-special-days/${specialDay}`, { method: "DELETE", role: "admin" })).status).toBe(204);
    await run();
    const after = await bill(billId);
    expect(after.supplements).toHaveLength(1);
    const sup = await bill(after.supplements[0]);
    expect(sup).toMatchObject({ plate: PLATE, localDay: DAY, supplementOf: billId, tollTenths: 770, outstandingTenths: 770, status: "open" });
    expect(after.events.at(-1)).toMatchObject({ kind: "supplement", amountTenths: 770 });
    // What the day costs in the end: paid 205 - refund 77 + supplement 77 = NT$205, the day's toll.
    await run();
    expect((await bill(billId)).supplements).toHaveLength(1);
  });
});
