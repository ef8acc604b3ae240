import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, expectProblem, type TestGateway } from "../../../test/support/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway({ database: { seed: false } });
});
afterAll(() => gw.close());

describe("administration: errors", () => {
  test("a key cannot revoke itself; unknown keys are 404; bad roles are named", async () => {
    await expectProblem(await gw.request(`/v1/api-keys/${gw.keyIds.admin}/revoke`, { method: "POST", role: "admin" }), 409);
    await expectProblem(await gw.request(`/v1/api-keys/99999/revoke`, { method: "POST", role: "admin" }), 404);
    const p = await expectProblem(await gw.request("/v1/api-keys", { method: "POST", role: "admin", json: { name: "x", role: "root" } }), 400);
    expect(p.fields!.map((f) => f.field)).toEqual(["body.role"]);
    expect((await gw.testDb.db.one<{ n: number }>("select count(*)::int as n from api_keys")).n).toBe(4);
  });

  test("audit filters are validated", async () => {
    const p = await expectProblem(await gw.request("/v1/audit-log?entity=a%20b&actorKeyId=x&from=now", { role: "auditor" }), 400);
    expect(p.fields!.map((f) => f.field).sort()).toEqual(["query.actorKeyId", "query.entity", "query.from"]);
  });
});
