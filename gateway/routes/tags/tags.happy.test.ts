import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, expectJson, type TestGateway } from "../../../test/support/gateway.ts";

let gw: TestGateway;
let fleetId: number;
beforeAll(async () => {
  gw = await createTestGateway({ database: { seed: false } });
  fleetId = (await expectJson(await gw.request("/v1/accounts", { method: "POST", role: "toll_operator", json: { kind: "fleet", name: "Fleet" } }), 201)).id;
});
afterAll(() => gw.close());

describe("tags", () => {
  test("a fleet account holds several tags; a tag on a vehicle carries its class", async () => {
    const truck = await expectJson(
      await gw.request(`/v1/accounts/${fleetId}/vehicles`, { method: "POST", role: "toll_operator", json: { plate: "KLA-1001", vehicleClass: 42 } }),
      201,
    );
    const t1 = await expectJson(
      await gw.request("/v1/tags", {
        method: "POST",
        role: "toll_operator",
        json: { id: "e2801160600002085bfc0001", accountId: fleetId, vehicleId: truck.id },
      }),
      201,
    );
    expect(t1).toMatchObject({ id: "E2801160600002085BFC0001", vehicleClass: 42, vehicleId: truck.id, status: "active" });
    const t2 = await expectJson(
      await gw.request("/v1/tags", { method: "POST", role: "admin", json: { id: "E2801160600002085BFC0002", accountId: fleetId, vehicleClass: 31 } }),
      201,
    );
    expect(t2.statusVersion).toBeGreaterThan(t1.statusVersion);
    const list = await expectJson(await gw.request(`/v1/accounts/${fleetId}/tags`, { role: "auditor" }), 200);
    expect(list.items.map((t: any) => t.id)).toEqual([t1.id, t2.id]);
    expect(await expectJson(await gw.request(`/v1/tags/${t2.id.toLowerCase()}`, { role: "auditor" }), 200)).toEqual(t2);
    const audit = await gw.testDb.db.query<{ action: string; entity_id: string }>("select action, entity_id from audit_log where entity = 'tag' order by id");
    expect(audit).toEqual([
      { action: "tag.issue", entity_id: t1.id },
      { action: "tag.issue", entity_id: t2.id },
    ]);
  });

  test("status changes bump the version; the status list gives the full list or changes since N", async () => {
    const ids = ["ABCDEF0000000001", "ABCDEF0000000002", "ABCDEF0000000003"];
    for (const id of ids)
      await expectJson(await gw.request("/v1/tags", { method: "POST", role: "toll_operator", json: { id, accountId: fleetId, vehicleClass: 31 } }), 201);
    const full = await expectJson(await gw.request("/v1/tag-status-list", { role: "toll_operator" }), 200);
    expect(full.full).toBe(true);
    expect(full.items.length).toBe((await gw.testDb.db.one<{ n: number }>("select count(*)::int as n from tags")).n);
    const v0 = full.version;

    for (const status of ["blocked", "active", "lost"] as const) {
      const r = await expectJson(
        await gw.request(`/v1/tags/${ids[0]}/status`, { method: "POST", role: "toll_operator", json: { status, reason: "customer call" } }),
        200,
      );
      expect(r).toMatchObject({ changed: true, tag: { status } });
    }
    await expectJson(await gw.request(`/v1/tags/${ids[1]}/status`, { method: "POST", role: "admin", json: { status: "stolen" } }), 200);
    // Setting the same status again changes nothing and makes no new version.
    const same = await expectJson(await gw.request(`/v1/tags/${ids[1]}/status`, { method: "POST", role: "admin", json: { status: "stolen" } }), 200);
    expect(same.changed).toBe(false);

    const delta = await expectJson(await gw.request(`/v1/tag-status-list?since=${v0}`, { role: "auditor" }), 200);
    expect(delta).toMatchObject({ full: false, version: v0 + 4 });
    // One entry per tag, with its current status, ordered by version.
    expect(delta.items.map((i: any) => [i.tagId, i.status, i.version])).toEqual([
      [ids[0], "lost", v0 + 3],
      [ids[1], "stolen", v0 + 4],
    ]);
    expect((await expectJson(await gw.request(`/v1/tag-status-list?since=${delta.version}`, { role: "auditor" }), 200)).items).toEqual([]);
    const history = await gw.testDb.db.query<{ status: string }>("select status from tag_status_changes where tag_id = $1 order by version", [ids[0]]);
    expect(history.map((h) => h.status)).toEqual(["active", "blocked", "active", "lost"]);
    const audit = await gw.testDb.db.one<{ before: any; after: any }>(
      "select before, after from audit_log where action = 'tag.status' and entity_id = $1 order by id desc limit 1",
      [ids[0]],
    );
    expect(audit.before.status).toBe("active");
    expect(audit.after).toMatchObject({ status: "lost", reason: "customer call" });
  });

  test("a tag issued to a low-balance account starts as low_balance", async () => {
    const a = await expectJson(await gw.request("/v1/accounts", { method: "POST", role: "toll_operator", json: { name: "Short" } }), 201);
    await gw.testDb.db.query("update accounts set status = 'low_balance' where id = $1", [a.id]);
    const t = await expectJson(
      await gw.request("/v1/tags", { method: "POST", role: "toll_operator", json: { id: "10BA1A0CE0000001", accountId: a.id, vehicleClass: 31 } }),
      201,
    );
    expect(t.status).toBe("low_balance");
  });
});
