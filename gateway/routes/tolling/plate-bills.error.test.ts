import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, problemOf, readJson, type TestGateway } from "../../../test/support/gateway.ts";
import { insertPassages, keelungToRende, trip, settleThroughApi } from "../../../test/support/tolling.ts";

let gw: TestGateway;
let billId: number;

beforeAll(async () => {
  gw = await createTestGateway();
  await insertPassages(gw.testDb.db, trip("2024-03-25T08:00:00+08:00", keelungToRende(), { plate: "ERR-0001" }));
  await settleThroughApi(gw, "2024-03-25");
  billId = (await readJson(await gw.request("/v1/plate-bills?plate=ERR-0001", { role: "admin" }))).items[0].id;
});
afterAll(async () => gw?.close());

describe("plate billing route errors", () => {
  test("a payment that is not the outstanding amount is a 422; the bill stays open", async () => {
    const p = await problemOf(await gw.request(`/v1/plate-bills/${billId}/payments`, { method: "POST", role: "toll_operator", json: { amountTenths: 100 } }));
    expect([p.status, p.fields]).toEqual([422, ["body.amountTenths"]]);
    expect((await readJson(await gw.request(`/v1/plate-bills/${billId}`, { role: "admin" }))).status).toBe("open");
  });

  test("paying a paid bill is a 409; an unknown bill a 404", async () => {
    expect((await gw.request(`/v1/plate-bills/${billId}/payments`, { method: "POST", role: "toll_operator", json: { amountTenths: 3280 } })).status).toBe(200);
    expect(
      (await problemOf(await gw.request(`/v1/plate-bills/${billId}/payments`, { method: "POST", role: "toll_operator", json: { amountTenths: 3280 } }))).status,
    ).toBe(409);
    expect(
      (await problemOf(await gw.request(`/v1/plate-bills/99999/payments`, { method: "POST", role: "toll_operator", json: { amountTenths: 1 } }))).status,
    ).toBe(404);
    expect((await problemOf(await gw.request(`/v1/plate-bills/99999`, { role: "toll_operator" }))).status).toBe(404);
  });

  test("malformed inputs name the field", async () => {
    expect(
      (await problemOf(await gw.request(`/v1/plate-bills/${billId}/payments`, { method: "POST", role: "toll_operator", json: { amountTenths: 1.5 } }))).fields,
    ).toEqual(["body.amountTenths"]);
    expect((await problemOf(await gw.request(`/v1/plate-bills?status=overdue`, { role: "admin" }))).fields).toEqual(["query.status"]);
    expect((await problemOf(await gw.request(`/v1/plate-bills?plate=${encodeURIComponent("' or 1=1 --")}`, { role: "admin" }))).fields).toEqual([
      "query.plate",
    ]);
    expect((await problemOf(await gw.request(`/v1/plate-bills/escalate`, { method: "POST", role: "admin", json: { asOf: "tomorrow" } }))).fields).toEqual([
      "body.asOf",
    ]);
  });

  test("the policy: only admins change it, and the steps must stay in order", async () => {
    const policy = { dueDays: 15, noticeAfterDays: 20, feeAfterDays: 15, feeTenths: 500, fineAfterDays: 30, fineTenths: 3000 };
    expect((await gw.request("/v1/plate-billing-policy", { method: "PUT", role: "toll_operator", json: policy })).status).toBe(403);
    const p = await problemOf(await gw.request("/v1/plate-billing-policy", { method: "PUT", role: "admin", json: policy }));
    expect([p.status, p.fields]).toEqual([422, ["body.feeAfterDays"]]);
    const neg = await problemOf(
      await gw.request("/v1/plate-billing-policy", { method: "PUT", role: "admin", json: { ...policy, noticeAfterDays: 0, fineTenths: -1 } }),
    );
    expect(neg.fields).toEqual(["body.fineTenths"]);
    expect((await readJson(await gw.request("/v1/plate-billing-policy", { role: "admin" }))).noticeAfterDays).toBe(0);
  });

  test("traffic operators see no bills", async () => {
    expect((await gw.request("/v1/plate-bills", { role: "traffic_operator" })).status).toBe(403);
    expect((await gw.request(`/v1/plate-bills/${billId}`, { role: "traffic_operator" })).status).toBe(403);
    expect((await gw.request("/v1/plate-billing-policy", { role: "traffic_operator" })).status).toBe(403);
    expect((await gw.request("/v1/plate-bills/escalate", { method: "POST", role: "auditor", json: {} })).status).toBe(403);
    expect((await gw.request("/v1/plate-bills")).status).toBe(401);
  });
});
