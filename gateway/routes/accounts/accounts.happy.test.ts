import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, expectJson as json, type TestGateway } from "../../../test/support/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway({ database: { seed: false } });
});
afterAll(() => gw.close());

describe("accounts", () => {
  test("open, read, list with filters and pages, change threshold and status; every write audited", async () => {
    const res = await gw.request("/v1/accounts", {
      method: "POST",
      role: "toll_operator",
      json: { name: "Lin Mei-ling", email: "mei@example.tw", phone: "+886 912 345 678" },
      headers: { "x-request-id": "req-open-1" },
    });
    expect(res.headers.get("x-request-id")).toBe("req-open-1");
    const a = await json(res, 201);
    expect(a).toMatchObject({ kind: "personal", name: "Lin Mei-ling", status: "active", balanceTenths: 0, lowBalanceThresholdTenths: 1000 });
    const fleet = await json(
      await gw.request("/v1/accounts", { method: "POST", role: "admin", json: { kind: "fleet", name: "Formosa Logistics", lowBalanceThresholdTenths: 50000 } }),
      201,
    );

    expect(await json(await gw.request(`/v1/accounts/${a.id}`, { role: "auditor" }), 200)).toEqual(a);
    const fleets = await json(await gw.request("/v1/accounts?kind=fleet", { role: "auditor" }), 200);
    expect(fleets.items.map((x: any) => x.id)).toEqual([fleet.id]);
    const byName = await json(await gw.request("/v1/accounts?q=formosa", { role: "toll_operator" }), 200);
    expect(byName.items.map((x: any) => x.id)).toEqual([fleet.id]);

    // Pages of one: every account exactly once, in id order.
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await json(await gw.request(`/v1/accounts?limit=1${cursor ? `&cursor=${cursor}` : ""}`, { role: "auditor" }), 200);
      seen.push(...page.items.map((x: any) => x.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([a.id, fleet.id]);

    const changed = await json(
      await gw.request(`/v1/accounts/${a.id}`, {
        method: "PATCH",
        role: "toll_operator",
        json: { lowBalanceThresholdTenths: 2000, status: "suspended", email: null },
      }),
      200,
    );
    expect(changed).toMatchObject({ lowBalanceThresholdTenths: 2000, status: "suspended", email: null, phone: "+886 912 345 678" });

    const audit = await gw.testDb.db.query<any>(
      "select action, actor, actor_key_id, entity_id, before, after, request_id from audit_log where entity = 'account' order by id",
    );
    expect(audit.map((r) => r.action)).toEqual(["account.create", "account.create", "account.update"]);
    expect(audit[0]).toMatchObject({
      actor: "test-toll_operator",
      actor_key_id: gw.keyIds.toll_operator,
      entity_id: String(a.id),
      before: null,
      request_id: "req-open-1",
    });
    expect(audit[2].before).toMatchObject({ status: "active", lowBalanceThresholdTenths: 1000 });
    expect(audit[2].after).toMatchObject({ status: "suspended", lowBalanceThresholdTenths: 2000 });
  });

  test("top-ups: a ledger entry with the running balance; an Idempotency-Key retry credits once", async () => {
    const a = await json(await gw.request("/v1/accounts", { method: "POST", role: "toll_operator", json: { name: "Chen" } }), 201);
    const send = () =>
      gw.request(`/v1/accounts/${a.id}/top-ups`, {
        method: "POST",
        role: "toll_operator",
        json: { amountTenths: 5000, description: "store" },
        headers: { "idempotency-key": "topup-7f3a" },
      });
    const first = await json(await send(), 201);
    expect(first.account.balanceTenths).toBe(5000);
    expect(first.entry).toMatchObject({
      kind: "topup",
      amountTenths: 5000,
      balanceAfterTenths: 5000,
      description: "store",
      createdBy: gw.keyIds.toll_operator,
    });
    const retry = await send();
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await json(retry, 201)).toEqual(first);
    const second = await json(await gw.request(`/v1/accounts/${a.id}/top-ups`, { method: "POST", role: "admin", json: { amountTenths: 1234 } }), 201);
    expect(second.entry.balanceAfterTenths).toBe(6234);

    const ledger = await json(await gw.request(`/v1/accounts/${a.id}/ledger`, { role: "auditor" }), 200);
    expect(ledger.items.map((e: any) => [e.amountTenths, e.balanceAfterTenths])).toEqual([
      [1234, 6234],
      [5000, 5000],
    ]);
    const page1 = await json(await gw.request(`/v1/accounts/${a.id}/ledger?limit=1`, { role: "auditor" }), 200);
    const page2 = await json(await gw.request(`/v1/accounts/${a.id}/ledger?limit=1&cursor=${page1.nextCursor}`, { role: "auditor" }), 200);
    expect([...page1.items, ...page2.items].map((e: any) => e.id)).toEqual(ledger.items.map((e: any) => e.id));
    expect((await json(await gw.request(`/v1/accounts/${a.id}/ledger?kind=toll`, { role: "auditor" }), 200)).items).toEqual([]);
    expect((await gw.testDb.db.one<{ n: number }>("select count(*)::int as n from audit_log where action = 'account.top_up'")).n).toBe(2);
  });

  test("a top-up that reaches the threshold brings a low-balance account and its tags back to active", async () => {
    const a = await json(
      await gw.request("/v1/accounts", { method: "POST", role: "toll_operator", json: { name: "Wu", lowBalanceThresholdTenths: 1000 } }),
      201,
    );
    await json(
      await gw.request("/v1/tags", { method: "POST", role: "toll_operator", json: { id: "AAAA0000BBBB1111", accountId: a.id, vehicleClass: 31 } }),
      201,
    );
    // What settlement does when the balance goes negative.
    await gw.testDb.db.query("update accounts set status = 'low_balance', balance_tenths = -300 where id = $1", [a.id]);
    await json(await gw.request("/v1/tags/AAAA0000BBBB1111/status", { method: "POST", role: "toll_operator", json: { status: "low_balance" } }), 200);

    const partial = await json(await gw.request(`/v1/accounts/${a.id}/top-ups`, { method: "POST", role: "toll_operator", json: { amountTenths: 800 } }), 201);
    expect(partial.account).toMatchObject({ balanceTenths: 500, status: "low_balance" });
    const full = await json(await gw.request(`/v1/accounts/${a.id}/top-ups`, { method: "POST", role: "toll_operator", json: { amountTenths: 500 } }), 201);
    expect(full.account).toMatchObject({ balanceTenths: 1000, status: "active" });
    const tag = await json(await gw.request("/v1/tags/AAAA0000BBBB1111", { role: "auditor" }), 200);
    expect(tag.status).toBe("active");
  });

  test("vehicles: register (plate normalised), list per account, find by plate", async () => {
    const a = await json(await gw.request("/v1/accounts", { method: "POST", role: "toll_operator", json: { kind: "fleet", name: "Fleet" } }), 201);
    const v1 = await json(
      await gw.request(`/v1/accounts/${a.id}/vehicles`, { method: "POST", role: "toll_operator", json: { plate: " kaa-0001 ", vehicleClass: 42 } }),
      201,
    );
    const v2 = await json(
      await gw.request(`/v1/accounts/${a.id}/vehicles`, {
        method: "POST",
        role: "toll_operator",
        json: { plate: "KAA-0002", vehicleClass: 41, description: "coach" },
      }),
      201,
    );
    expect(v1).toMatchObject({ plate: "KAA-0001", vehicleClass: 42, accountId: a.id });
    const list = await json(await gw.request(`/v1/accounts/${a.id}/vehicles`, { role: "auditor" }), 200);
    expect(list.items.map((v: any) => v.plate)).toEqual(["KAA-0001", "KAA-0002"]);
    expect(await json(await gw.request("/v1/vehicles/kaa-0002", { role: "auditor" }), 200)).toEqual(v2);
  });
});
