import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, expectJson, expectProblem, type TestGateway } from "../../../test/support/gateway.ts";

let gw: TestGateway;
let a: number;
let b: number;
beforeAll(async () => {
  gw = await createTestGateway({ database: { seed: false } });
  a = (await expectJson(await gw.request("/v1/accounts", { method: "POST", role: "admin", json: { name: "A" } }), 201)).id;
  b = (await expectJson(await gw.request("/v1/accounts", { method: "POST", role: "admin", json: { name: "B" } }), 201)).id;
});
afterAll(() => gw.close());

describe("tags: errors", () => {
  test("issuing: unknown account, another account's vehicle, class mismatch, missing class, duplicate id", async () => {
    const vb = await expectJson(
      await gw.request(`/v1/accounts/${b}/vehicles`, { method: "POST", role: "admin", json: { plate: "BBB-0001", vehicleClass: 31 } }),
      201,
    );
    const va = await expectJson(
      await gw.request(`/v1/accounts/${a}/vehicles`, { method: "POST", role: "admin", json: { plate: "AAA-0001", vehicleClass: 42 } }),
      201,
    );
    const field = async (res: Response, status: number) => (await expectProblem(res, status)).fields?.[0]?.field;
    expect(
      await field(await gw.request("/v1/tags", { method: "POST", role: "admin", json: { id: "00000001", accountId: 987654, vehicleClass: 31 } }), 422),
    ).toBe("body.accountId");
    expect(await field(await gw.request("/v1/tags", { method: "POST", role: "admin", json: { id: "00000001", accountId: a, vehicleId: vb.id } }), 422)).toBe(
      "body.vehicleId",
    );
    expect(
      await field(
        await gw.request("/v1/tags", { method: "POST", role: "admin", json: { id: "00000001", accountId: a, vehicleId: va.id, vehicleClass: 31 } }),
        422,
      ),
    ).toBe("body.vehicleClass");
    expect(await field(await gw.request("/v1/tags", { method: "POST", role: "admin", json: { id: "00000001", accountId: a } }), 400)).toBe("body.vehicleClass");
    expect(await field(await gw.request("/v1/tags", { method: "POST", role: "admin", json: { id: "XYZ", accountId: a, vehicleClass: 31 } }), 400)).toBe(
      "body.id",
    );
    await expectJson(await gw.request("/v1/tags", { method: "POST", role: "admin", json: { id: "00000001", accountId: a, vehicleClass: 31 } }), 201);
    expect(await field(await gw.request("/v1/tags", { method: "POST", role: "admin", json: { id: "00000001", accountId: b, vehicleClass: 31 } }), 409)).toBe(
      "body.id",
    );
    expect((await gw.testDb.db.one<{ n: number }>("select count(*)::int as n from tags")).n).toBe(1);
  });

  test("lost and stolen tags are never re-activated; unknown tags are 404; bad statuses 400", async () => {
    await expectJson(await gw.request("/v1/tags", { method: "POST", role: "admin", json: { id: "5701E000", accountId: a, vehicleClass: 31 } }), 201);
    await expectJson(await gw.request("/v1/tags/5701E000/status", { method: "POST", role: "admin", json: { status: "stolen" } }), 200);
    await expectProblem(await gw.request("/v1/tags/5701E000/status", { method: "POST", role: "admin", json: { status: "active" } }), 409);
    await expectProblem(await gw.request("/v1/tags/5701E000/status", { method: "POST", role: "admin", json: { status: "blocked" } }), 409);
    // Reclassifying between the two final states is allowed (found to be stolen, not lost).
    await expectJson(await gw.request("/v1/tags/5701E000/status", { method: "POST", role: "admin", json: { status: "lost" } }), 200);
    await expectProblem(await gw.request("/v1/tags/FFFFFFFF/status", { method: "POST", role: "admin", json: { status: "blocked" } }), 404);
    await expectProblem(await gw.request("/v1/tags/FFFFFFFF", { role: "auditor" }), 404);
    await expectProblem(await gw.request(`/v1/accounts/424242/tags`, { role: "auditor" }), 404);
    const bad = await expectProblem(await gw.request("/v1/tags/5701E000/status", { method: "POST", role: "admin", json: { status: "destroyed" } }), 400);
    expect(bad.fields![0]!.field).toBe("body.status");
    const since = await expectProblem(await gw.request("/v1/tag-status-list?since=-1", { role: "auditor" }), 400);
    expect(since.fields![0]!.field).toBe("query.since");
  });
});
