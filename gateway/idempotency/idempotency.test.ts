import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, expectJson, expectProblem, type TestGateway } from "../../test/support/gateway.ts";

let gw: TestGateway;
let accountId: number;
beforeAll(async () => {
  gw = await createTestGateway({ database: { seed: false } });
  accountId = (await expectJson(await gw.request("/v1/accounts", { method: "POST", role: "admin", json: { name: "I" } }), 201)).id;
});
afterAll(() => gw.close());

const topUp = (amountTenths: number, key: string) =>
  gw.request(`/v1/accounts/${accountId}/top-ups`, { method: "POST", role: "toll_operator", json: { amountTenths }, headers: { "idempotency-key": key } });

describe("Idempotency-Key lifetime", () => {
  test("after 24 hours a key may be used for a new request", async () => {
    await expectJson(await topUp(10, "daily"), 201);
    await expectProblem(await topUp(20, "daily"), 409);
    await gw.testDb.db.query("update idempotency_keys set created_at = now() - interval '25 hours' where key = 'daily'");
    const fresh = await topUp(20, "daily");
    expect(fresh.headers.get("idempotent-replayed")).toBeNull();
    await expectJson(fresh, 201);
    expect((await gw.testDb.db.query<{ a: number }>("select amount_tenths as a from ledger_entries order by id")).map((r) => r.a)).toEqual([10, 20]);
  });

  test("a claim abandoned mid-request is released after 5 minutes, not before", async () => {
    // What a gateway killed during this very request leaves behind: a claim with no response.
    const path = `/v1/accounts/${accountId}/top-ups`;
    const hash = createHash("sha256")
      .update(`POST ${path}\n`)
      .update(JSON.stringify({ amountTenths: 30 }))
      .digest("hex");
    await gw.testDb.db.query(`insert into idempotency_keys (api_key_id, key, method, path, request_hash) values ($1, 'stuck', 'POST', $2, $3)`, [
      gw.keyIds.toll_operator,
      path,
      hash,
    ]);
    const p = await expectProblem(await topUp(30, "stuck"), 409);
    expect(p.detail).toContain("still being processed");
    await gw.testDb.db.query("update idempotency_keys set created_at = now() - interval '6 minutes' where key = 'stuck'");
    await expectJson(await topUp(30, "stuck"), 201);
  });
});
