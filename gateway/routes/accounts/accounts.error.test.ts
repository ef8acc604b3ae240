import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, expectJson, expectProblem, type TestGateway } from "../../../test/support/gateway.ts";

let gw: TestGateway;
let accountId: number;
beforeAll(async () => {
  gw = await createTestGateway({ database: { seed: false } });
  accountId = (await expectJson(await gw.request("/v1/accounts", { method: "POST", role: "toll_operator", json: { name: "Base" } }), 201)).id;
});
afterAll(() => gw.close());

describe("accounts: errors", () => {
  test("unknown account -> 404 on every account operation", async () => {
    await expectProblem(await gw.request("/v1/accounts/999999", { role: "auditor" }), 404);
    await expectProblem(await gw.request("/v1/accounts/999999", { method: "PATCH", role: "admin", json: { name: "x" } }), 404);
    await expectProblem(await gw.request("/v1/accounts/999999/top-ups", { method: "POST", role: "admin", json: { amountTenths: 10 } }), 404);
    await expectProblem(await gw.request("/v1/accounts/999999/ledger", { role: "auditor" }), 404);
    await expectProblem(await gw.request("/v1/accounts/999999/vehicles", { role: "auditor" }), 404);
    await expectProblem(
      await gw.request("/v1/accounts/999999/vehicles", { method: "POST", role: "admin", json: { plate: "ZZZ-0001", vehicleClass: 31 } }),
      404,
    );
    await expectProblem(await gw.request("/v1/vehicles/NOP-0000", { role: "auditor" }), 404);
  });

  test("invalid fields are named", async () => {
    const p = await expectProblem(
      await gw.request("/v1/accounts", { method: "POST", role: "admin", json: { kind: "corporate", name: "", email: "not-mail" } }),
      400,
    );
    expect(p.fields!.map((f) => f.field).sort()).toEqual(["body.email", "body.kind", "body.name"]);
    const amount = await expectProblem(
      await gw.request(`/v1/accounts/${accountId}/top-ups`, { method: "POST", role: "admin", json: { amountTenths: 0 } }),
      400,
    );
    expect(amount.fields).toEqual([{ field: "body.amountTenths", message: expect.any(String) }]);
    const fractional = await expectProblem(
      await gw.request(`/v1/accounts/${accountId}/top-ups`, { method: "POST", role: "admin", json: { amountTenths: 10.5 } }),
      400,
    );
    expect(fractional.fields![0]!.field).toBe("body.amountTenths");
    const empty = await expectProblem(await gw.request(`/v1/accounts/${accountId}`, { method: "PATCH", role: "admin", json: {} }), 400);
    expect(empty.fields![0]!.field).toBe("body");
    const unknown = await expectProblem(
      await gw.request(`/v1/accounts/${accountId}`, { method: "PATCH", role: "admin", json: { balanceTenths: 999999 } }),
      400,
    );
    expect(unknown.fields![0]!.field).toBe("body");
    const lowBalance = await expectProblem(
      await gw.request(`/v1/accounts/${accountId}`, { method: "PATCH", role: "admin", json: { status: "low_balance" } }),
      400,
    );
    expect(lowBalance.fields![0]!.field).toBe("body.status");
    const cursor = await expectProblem(await gw.request(`/v1/accounts?cursor=bm90LWEtY3Vyc29y`, { role: "auditor" }), 400);
    expect(cursor.fields![0]!.field).toBe("query.cursor");
    const plate = await expectProblem(
      await gw.request(`/v1/accounts/${accountId}/vehicles`, { method: "POST", role: "admin", json: { plate: "TOO-LONG-PLATE", vehicleClass: 33 } }),
      400,
    );
    expect(plate.fields!.map((f) => f.field).sort()).toEqual(["body.plate", "body.vehicleClass"]);
    // Nothing was written by any of them.
    expect((await gw.testDb.db.one<{ n: number }>("select count(*)::int as n from ledger_entries")).n).toBe(0);
  });

  test("Idempotency-Key reused with a different body -> 409, and the first top-up stands alone", async () => {
    const url = `/v1/accounts/${accountId}/top-ups`;
    await expectJson(await gw.request(url, { method: "POST", role: "toll_operator", json: { amountTenths: 100 }, headers: { "idempotency-key": "k-1" } }), 201);
    const p = await expectProblem(
      await gw.request(url, { method: "POST", role: "toll_operator", json: { amountTenths: 999 }, headers: { "idempotency-key": "k-1" } }),
      409,
    );
    expect(p.fields![0]!.field).toBe("header.idempotency-key");
    // Keys are per API key: another key may use the same string.
    await expectJson(await gw.request(url, { method: "POST", role: "admin", json: { amountTenths: 999 }, headers: { "idempotency-key": "k-1" } }), 201);
    const bad = await expectProblem(
      await gw.request(url, { method: "POST", role: "admin", json: { amountTenths: 1 }, headers: { "idempotency-key": "x".repeat(300) } }),
      400,
    );
    expect(bad.fields![0]!.field).toBe("header.idempotency-key");
    expect((await gw.testDb.db.query<{ amount_tenths: number }>("select amount_tenths from ledger_entries order by id")).map((r) => r.amount_tenths)).toEqual([
      100, 999,
    ]);
  });

  test("a 4xx answer is replayed too; a concurrent duplicate does not credit twice", async () => {
    const url = "/v1/accounts/424242/top-ups";
    const a = await gw.request(url, { method: "POST", role: "toll_operator", json: { amountTenths: 5 }, headers: { "idempotency-key": "nf" } });
    await expectProblem(a, 404);
    const b = await gw.request(url, { method: "POST", role: "toll_operator", json: { amountTenths: 5 }, headers: { "idempotency-key": "nf" } });
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    expect(b.status).toBe(404);

    const send = () =>
      gw.request(`/v1/accounts/${accountId}/top-ups`, {
        method: "POST",
        role: "toll_operator",
        json: { amountTenths: 7 },
        headers: { "idempotency-key": "race" },
      });
    const results = await Promise.all([send(), send(), send()]);
    const statuses = results.map((r) => r.status).sort();
    // One runs; the others are replays (201) or told it is still in progress (409).
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect((await gw.testDb.db.one<{ n: number }>("select count(*)::int as n from ledger_entries where amount_tenths = 7")).n).toBe(1);
  });

  test("closed accounts stay closed and take no top-ups, vehicles or tags", async () => {
    const a = await expectJson(await gw.request("/v1/accounts", { method: "POST", role: "admin", json: { name: "Leaving" } }), 201);
    await expectJson(await gw.request(`/v1/accounts/${a.id}`, { method: "PATCH", role: "admin", json: { status: "closed" } }), 200);
    await expectProblem(await gw.request(`/v1/accounts/${a.id}`, { method: "PATCH", role: "admin", json: { status: "active" } }), 409);
    await expectProblem(await gw.request(`/v1/accounts/${a.id}/top-ups`, { method: "POST", role: "admin", json: { amountTenths: 10 } }), 409);
    await expectProblem(
      await gw.request(`/v1/accounts/${a.id}/vehicles`, { method: "POST", role: "admin", json: { plate: "CLO-0001", vehicleClass: 31 } }),
      409,
    );
    await expectProblem(await gw.request("/v1/tags", { method: "POST", role: "admin", json: { id: "C105ED00", accountId: a.id, vehicleClass: 31 } }), 409);
  });

  test("a plate registers once", async () => {
    await expectJson(
      await gw.request(`/v1/accounts/${accountId}/vehicles`, { method: "POST", role: "admin", json: { plate: "DUP-0001", vehicleClass: 31 } }),
      201,
    );
    const p = await expectProblem(
      await gw.request(`/v1/accounts/${accountId}/vehicles`, { method: "POST", role: "admin", json: { plate: "dup-0001", vehicleClass: 32 } }),
      409,
    );
    expect(p.fields![0]!.field).toBe("body.plate");
  });
});
