import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, readJson, type TestGateway } from "../../../test/support/gateway.ts";
import { createAccount, createTag, insertPassages, keelungToRende, trip, settleThroughApi } from "../../../test/support/tolling.ts";

let gw: TestGateway;
let account: number;
let settlementId: number;
const TAG = "E2801160600002085BFCAD01";

beforeAll(async () => {
  gw = await createTestGateway();
  // NT$200 prepaid, threshold NT$100: the NT$328 toll drives it to -128 -> low_balance.
  account = await createAccount(gw.testDb.db, 2_000, 1_000);
  await createTag(gw.testDb.db, account, TAG);
  const zones = keelungToRende();
  await insertPassages(gw.testDb.db, [
    ...trip("2024-03-25T08:00:00+08:00", zones, { tagId: TAG, accountId: account }),
    ...trip("2024-03-25T09:00:00+08:00", zones, { plate: "DSP-0001" }),
  ]);
  await settleThroughApi(gw, "2024-03-25");
  settlementId = (await readJson(await gw.request(`/v1/settlements?vehicleKey=${TAG}`, { role: "admin" }))).items[0].id;
});
afterAll(async () => gw?.close());

const account$ = () => gw.testDb.db.one<{ balance_tenths: number; status: string }>("select balance_tenths, status from accounts where id = $1", [account]);

describe("adjustment routes", () => {
  test("reason codes: the seeded list, and admins add one", async () => {
    const { items } = await readJson(await gw.request("/v1/adjustment-reasons", { role: "auditor" }));
    expect(items.map((r: { code: string }) => r.code)).toContain("misread");
    const res = await gw.request("/v1/adjustment-reasons", {
      method: "POST",
      role: "admin",
      json: { code: "gantry_fault", description: "Gantry fault reported by maintenance" },
    });
    expect(res.status).toBe(201);
    expect((await readJson(await gw.request("/v1/adjustment-reasons", { role: "auditor" }))).items).toContainEqual({
      code: "gantry_fault",
      description: "Gantry fault reported by maintenance",
    });
  });

  test("a dispute on a settlement: opened by an operator, approved by an admin, refunded to the ledger", async () => {
    expect(await account$()).toEqual({ balance_tenths: 2_000 - 3280, status: "low_balance" });
    const created = await gw.request("/v1/adjustments", {
      method: "POST",
      role: "toll_operator",
      json: { settlementId, reasonCode: "misread", kind: "dispute", amountTenths: 3280, note: "not my car" },
    });
    expect(created.status).toBe(201);
    const a = await readJson(created);
    expect(a).toMatchObject({ accountId: account, settlementId, status: "open", createdBy: gw.keyIds.toll_operator, ledgerEntryId: null });
    expect((await account$()).balance_tenths).toBe(2_000 - 3280); // nothing moves before approval

    const approved = await gw.request(`/v1/adjustments/${a.id}/approve`, { method: "POST", role: "admin", json: {} });
    expect(approved.status).toBe(200);
    const after = await readJson(approved);
    expect(after).toMatchObject({ status: "applied", resolvedBy: gw.keyIds.admin });
    expect(after.ledgerEntryId).not.toBeNull();
    const entry = await gw.testDb.db.one<{ kind: string; amount_tenths: number; adjustment_id: number }>(
      "select kind, amount_tenths, adjustment_id from ledger_entries where id = $1",
      [after.ledgerEntryId],
    );
    expect(entry).toEqual({ kind: "refund", amount_tenths: 3280, adjustment_id: a.id });
    // Back above the threshold: the account and its tag are active again.
    expect(await account$()).toEqual({ balance_tenths: 2_000, status: "active" });
    expect((await gw.testDb.db.one<{ status: string }>("select status from tags where id = $1", [TAG])).status).toBe("active");
    const actions = await gw.testDb.db.query<{ action: string }>("select action from audit_log where entity = 'adjustment' order by id");
    expect(actions.map((x) => x.action)).toEqual(["adjustment.create", "adjustment.approve"]);
  });

  test("a plate bill adjustment reduces the bill; rejection leaves everything alone", async () => {
    const bill = (await readJson(await gw.request("/v1/plate-bills?plate=DSP-0001", { role: "admin" }))).items[0];
    const a = await readJson(
      await gw.request("/v1/adjustments", {
        method: "POST",
        role: "admin",
        json: { plateBillId: bill.id, reasonCode: "goodwill", kind: "goodwill", amountTenths: 280 },
      }),
    );
    const ok = await gw.request(`/v1/adjustments/${a.id}/approve`, { method: "POST", role: "toll_operator", json: { note: "ok" } });
    expect([ok.status, await ok.text()]).toEqual([200, expect.any(String)]);
    expect((await readJson(await gw.request(`/v1/plate-bills/${bill.id}`, { role: "admin" }))).tollTenths).toBe(bill.tollTenths - 280);

    const r = await readJson(
      await gw.request("/v1/adjustments", { method: "POST", role: "toll_operator", json: { accountId: account, reasonCode: "goodwill", amountTenths: 999 } }),
    );
    const rejected = await gw.request(`/v1/adjustments/${r.id}/reject`, { method: "POST", role: "admin", json: { note: "no grounds" } });
    expect(await readJson(rejected)).toMatchObject({ status: "rejected", note: "no grounds", ledgerEntryId: null });
    expect((await account$()).balance_tenths).toBe(2_000);
  });

  test("GET /v1/adjustments filters by account and status; GET /{id} shows one", async () => {
    const applied = await readJson(await gw.request(`/v1/adjustments?accountId=${account}&status=applied`, { role: "auditor" }));
    expect(applied.items.length).toBe(1);
    const one = await readJson(await gw.request(`/v1/adjustments/${applied.items[0].id}`, { role: "auditor" }));
    expect(one).toEqual(applied.items[0]);
    const page1 = await readJson(await gw.request(`/v1/adjustments?limit=2`, { role: "auditor" }));
    expect(page1.items.length).toBe(2);
    const page2 = await readJson(await gw.request(`/v1/adjustments?limit=2&cursor=${page1.nextCursor}`, { role: "auditor" }));
    expect(page2.items.length).toBe(1);
  });
});
