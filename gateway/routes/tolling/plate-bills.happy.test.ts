import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, readJson, type TestGateway } from "../../../test/support/gateway.ts";
import { insertPassages, keelungToRende, trip, settleThroughApi } from "../../../test/support/tolling.ts";

let gw: TestGateway;
let billId: number;
const PLATE = "ABC-1234";

beforeAll(async () => {
  gw = await createTestGateway();
  const zones = keelungToRende();
  await insertPassages(gw.testDb.db, [
    ...trip("2024-03-25T08:00:00+08:00", zones, { plate: PLATE }),
    ...trip("2024-03-26T08:00:00+08:00", zones.slice(0, 30), { plate: PLATE }),
  ]);
  for (const day of ["2024-03-25", "2024-03-26"]) {
    expect(await settleThroughApi(gw, day)).toMatchObject({ status: "done" });
  }
});
afterAll(async () => gw?.close());

describe("plate billing routes", () => {
  test("GET /v1/plate-bills lists a plate's bills, one per day, due 15 days later", async () => {
    const res = await gw.request(`/v1/plate-bills?plate=abc-1234`, { role: "toll_operator" });
    expect(res.status).toBe(200);
    const { items } = await readJson(res);
    expect(items.map((b: { localDay: string }) => b.localDay)).toEqual(["2024-03-26", "2024-03-25"]);
    expect(items[1]).toMatchObject({ plate: PLATE, tollTenths: 3280, outstandingTenths: 3280, dueDate: "2024-04-09", status: "open" });
    billId = items[1].id;
    const open = await readJson(await gw.request(`/v1/plate-bills?status=open`, { role: "auditor" }));
    expect(open.items.length).toBe(2);
  });

  test("GET /v1/plate-billing-policy and PUT change the escalation amounts (admin)", async () => {
    const p = await readJson(await gw.request("/v1/plate-billing-policy", { role: "auditor" }));
    expect(p).toMatchObject({ dueDays: 15, noticeAfterDays: 0, feeAfterDays: 15, feeTenths: 500, fineAfterDays: 30, fineTenths: 3000 });
    const res = await gw.request("/v1/plate-billing-policy", { method: "PUT", role: "admin", json: { ...p, updatedAt: undefined, feeTenths: 600 } });
    expect(res.status).toBe(200);
    expect((await readJson(res)).feeTenths).toBe(600);
    expect(
      (await gw.testDb.db.one<{ before: { feeTenths: number } }>("select before from audit_log where action = 'plate_billing_policy.update'")).before.feeTenths,
    ).toBe(500);
  });

  test("POST /v1/plate-bills/escalate: notice after the due date, then the fee, then the fine; idempotent", async () => {
    const esc = (asOf: string) => gw.request("/v1/plate-bills/escalate", { method: "POST", role: "toll_operator", json: { asOf } });
    expect(await readJson<Record<string, unknown>>(await esc("2024-04-09"))).toEqual({ asOf: "2024-04-09", notices: 0, fees: 0, fines: 0 });
    expect(await readJson(await esc("2024-04-10"))).toMatchObject({ notices: 1, fees: 0 });
    expect(await readJson(await esc("2024-04-25"))).toMatchObject({ notices: 1, fees: 1, fines: 0 });
    expect(await readJson(await esc("2024-05-10"))).toMatchObject({ fees: 1, fines: 1 });
    expect(await readJson(await esc("2024-05-10"))).toMatchObject({ notices: 0, fees: 0, fines: 0 });
    const bill = await readJson(await gw.request(`/v1/plate-bills/${billId}`, { role: "toll_operator" }));
    expect(bill).toMatchObject({ status: "fine", feeTenths: 600, fineTenths: 3000, outstandingTenths: 3280 + 600 + 3000 });
    expect(bill.events.map((e: { kind: string }) => e.kind)).toEqual(["created", "notice", "fee", "fine"]);
  });

  test("POST /v1/plate-bills/{id}/payments pays the outstanding amount, once per Idempotency-Key", async () => {
    const pay = () =>
      gw.request(`/v1/plate-bills/${billId}/payments`, {
        method: "POST",
        role: "toll_operator",
        headers: { "idempotency-key": "pay-1" },
        json: { amountTenths: 3280 + 600 + 3000, reference: "counter 7" },
      });
    const first = await pay();
    expect(first.status).toBe(200);
    expect(await readJson(first)).toMatchObject({ status: "paid", paidTenths: 6880, outstandingTenths: 0 });
    const again = await pay();
    expect(again.status).toBe(200);
    expect((await readJson(again)).status).toBe("paid");
    const events = await gw.testDb.db.query("select 1 from plate_bill_events where bill_id = $1 and kind = 'paid'", [billId]);
    expect(events.length).toBe(1);
    expect((await readJson(await gw.request(`/v1/plate-bills?status=paid`, { role: "auditor" }))).items.map((b: { id: number }) => b.id)).toEqual([billId]);
  });
});
