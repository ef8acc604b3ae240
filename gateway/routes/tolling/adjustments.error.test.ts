import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, problemOf, readJson, type TestGateway } from "../../../test/support/gateway.ts";
import { createAccount } from "../../../test/support/tolling.ts";

let gw: TestGateway;
let account: number;
beforeAll(async () => {
  gw = await createTestGateway();
  account = await createAccount(gw.testDb.db, 5_000);
});
afterAll(async () => gw?.close());

const create = (json: unknown, role: "admin" | "toll_operator" | "auditor" = "toll_operator") => gw.request("/v1/adjustments", { method: "POST", role, json });

describe("adjustment route errors", () => {
  test("unknown targets and reasons are 422 naming the field", async () => {
    const cases: [unknown, string][] = [
      [{ accountId: account, reasonCode: "because", amountTenths: 10 }, "body.reasonCode"],
      [{ accountId: 987654, reasonCode: "goodwill", amountTenths: 10 }, "body.accountId"],
      [{ plateBillId: 987654, reasonCode: "goodwill", amountTenths: 10 }, "body.plateBillId"],
      [{ settlementId: 987654, reasonCode: "goodwill", amountTenths: 10 }, "body.settlementId"],
      [{ reasonCode: "goodwill", amountTenths: 10 }, "body.accountId"],
    ];
    for (const [json, field] of cases) {
      const p = await problemOf(await create(json));
      expect([p.status, p.fields]).toEqual([422, [field]]);
    }
  });

  test("malformed input is a 400 naming the field", async () => {
    expect((await problemOf(await create({ accountId: account, reasonCode: "goodwill", amountTenths: 0 }))).fields).toEqual(["body.amountTenths"]);
    expect((await problemOf(await create({ accountId: account, reasonCode: "goodwill", amountTenths: 10, kind: "bribe" }))).fields).toEqual(["body.kind"]);
    expect(
      (await problemOf(await gw.request("/v1/adjustment-reasons", { method: "POST", role: "admin", json: { code: "Bad Code", description: "x" } }))).fields,
    ).toEqual(["body.code"]);
  });

  test("four eyes: the opener cannot approve or reject; a resolved one cannot be resolved again", async () => {
    const a = await readJson(await create({ accountId: account, reasonCode: "goodwill", amountTenths: 100 }));
    expect((await problemOf(await gw.request(`/v1/adjustments/${a.id}/approve`, { method: "POST", role: "toll_operator", json: {} }))).status).toBe(403);
    expect((await problemOf(await gw.request(`/v1/adjustments/${a.id}/reject`, { method: "POST", role: "toll_operator", json: { note: "x" } }))).status).toBe(
      403,
    );
    expect((await gw.request(`/v1/adjustments/${a.id}/approve`, { method: "POST", role: "admin", json: {} })).status).toBe(200);
    expect((await problemOf(await gw.request(`/v1/adjustments/${a.id}/approve`, { method: "POST", role: "admin", json: {} }))).status).toBe(409);
    expect((await problemOf(await gw.request(`/v1/adjustments/${a.id}/reject`, { method: "POST", role: "admin", json: { note: "late" } }))).status).toBe(409);
    const entries = await gw.testDb.db.query("select 1 from ledger_entries where adjustment_id = $1", [a.id]);
    expect(entries.length).toBe(1);
  });

  test("roles, missing adjustments, duplicate reason codes, rejection without a note", async () => {
    expect((await create({ accountId: account, reasonCode: "goodwill", amountTenths: 1 }, "auditor")).status).toBe(403);
    expect((await gw.request("/v1/adjustments", { role: "traffic_operator" })).status).toBe(403);
    expect((await gw.request("/v1/adjustment-reasons", { role: "traffic_operator" })).status).toBe(403);
    expect((await gw.request("/v1/adjustment-reasons", { method: "POST", role: "toll_operator", json: { code: "x_y", description: "d" } })).status).toBe(403);
    expect((await problemOf(await gw.request("/v1/adjustments/424242", { role: "admin" }))).status).toBe(404);
    expect((await problemOf(await gw.request("/v1/adjustments/424242/approve", { method: "POST", role: "admin", json: {} }))).status).toBe(404);
    expect(
      (await problemOf(await gw.request("/v1/adjustment-reasons", { method: "POST", role: "admin", json: { code: "goodwill", description: "again" } }))).status,
    ).toBe(409);
    expect((await problemOf(await gw.request("/v1/adjustments/1/reject", { method: "POST", role: "admin", json: {} }))).fields).toEqual(["body.note"]);
  });
});
