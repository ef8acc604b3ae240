import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, expectJson, type TestGateway } from "../../../test/support/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway({ database: { seed: false } });
});
afterAll(() => gw.close());

describe("API keys", () => {
  test("an admin creates a key (shown once), it works at once, lists never show it, revocation is immediate", async () => {
    const made = await expectJson(
      await gw.request("/v1/api-keys", { method: "POST", role: "admin", json: { name: "night console", role: "toll_operator" } }),
      201,
    );
    expect(made.key).toMatch(/^tw_[A-Za-z0-9_-]{43}$/);
    expect(made).toMatchObject({ name: "night console", role: "toll_operator", prefix: made.key.slice(0, 11), createdBy: gw.keyIds.admin, revokedAt: null });
    await expectJson(await gw.request("/v1/accounts", { key: made.key }), 200);
    // X-API-Key works as well as Authorization: Bearer.
    await expectJson(await gw.request("/v1/accounts", { headers: { "x-api-key": made.key } }), 200);

    const listed = await gw.request("/v1/api-keys", { role: "admin" });
    const text = await listed.clone().text();
    expect(text).not.toContain(made.key);
    const list = await expectJson(listed, 200);
    expect(list.items.find((k: any) => k.id === made.id)).toMatchObject({ prefix: made.prefix, lastUsedAt: expect.any(String) });

    const revoked = await expectJson(await gw.request(`/v1/api-keys/${made.id}/revoke`, { method: "POST", role: "admin" }), 200);
    expect(revoked.revokedAt).toEqual(expect.any(String));
    expect((await gw.request("/v1/accounts", { key: made.key })).status).toBe(401);
    const active = await expectJson(await gw.request("/v1/api-keys?includeRevoked=false", { role: "admin" }), 200);
    expect(active.items.map((k: any) => k.id)).not.toContain(made.id);
    // Revoking again is harmless and not audited twice.
    await expectJson(await gw.request(`/v1/api-keys/${made.id}/revoke`, { method: "POST", role: "admin" }), 200);
    const audit = await gw.testDb.db.query<{ action: string }>("select action from audit_log where entity = 'api_key' and entity_id = $1 order by id", [
      String(made.id),
    ]);
    expect(audit.map((a) => a.action)).toEqual(["api_key.create", "api_key.revoke"]);
  });
});

describe("audit log", () => {
  test("auditors read who did what and when, filtered and paged, newest first", async () => {
    const acc = await expectJson(
      await gw.request("/v1/accounts", { method: "POST", role: "toll_operator", json: { name: "Audited" }, headers: { "x-request-id": "audit-me" } }),
      201,
    );
    await expectJson(await gw.request(`/v1/accounts/${acc.id}/top-ups`, { method: "POST", role: "toll_operator", json: { amountTenths: 300 } }), 201);
    await expectJson(await gw.request(`/v1/accounts/${acc.id}`, { method: "PATCH", role: "admin", json: { name: "Audited Ltd" } }), 200);

    const forAccount = await expectJson(await gw.request(`/v1/audit-log?entity=account&entityId=${acc.id}`, { role: "auditor" }), 200);
    expect(forAccount.items.map((r: any) => [r.action, r.actor])).toEqual([
      ["account.update", "test-admin"],
      ["account.top_up", "test-toll_operator"],
      ["account.create", "test-toll_operator"],
    ]);
    const created = forAccount.items[2];
    expect(created).toMatchObject({ requestId: "audit-me", actorKeyId: gw.keyIds.toll_operator, before: null, after: { name: "Audited" } });
    expect(forAccount.items[0]).toMatchObject({ before: { name: "Audited" }, after: { name: "Audited Ltd" } });

    const byActor = await expectJson(await gw.request(`/v1/audit-log?actorKeyId=${gw.keyIds.admin}&action=account.update`, { role: "admin" }), 200);
    expect(byActor.items.length).toBe(1);
    const p1 = await expectJson(await gw.request(`/v1/audit-log?entity=account&limit=2`, { role: "auditor" }), 200);
    const p2 = await expectJson(await gw.request(`/v1/audit-log?entity=account&limit=2&cursor=${p1.nextCursor}`, { role: "auditor" }), 200);
    expect([...p1.items, ...p2.items].map((r: any) => r.id)).toEqual(forAccount.items.map((r: any) => r.id));
    const later = await expectJson(
      await gw.request(`/v1/audit-log?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, { role: "auditor" }),
      200,
    );
    expect(later.items).toEqual([]);
  });
});
