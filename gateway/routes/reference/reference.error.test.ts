import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, expectProblem, type TestGateway } from "../../../test/support/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway({ database: { seed: false } });
});
afterAll(() => gw.close());

describe("reference data: errors", () => {
  test("unknown gantry -> 404; malformed filters name the field", async () => {
    await expectProblem(await gw.request("/v1/gantries/09Z9999N", { role: "auditor" }), 404);
    const p = await expectProblem(await gw.request("/v1/gantries?freeway=route66&direction=X&fromKm=-1&active=maybe", { role: "auditor" }), 400);
    expect(p.fields!.map((f) => f.field).sort()).toEqual(["query.active", "query.direction", "query.freeway", "query.fromKm"]);
    const z = await expectProblem(await gw.request("/v1/toll-zones?direction=NE", { role: "auditor" }), 400);
    expect(z.fields!.map((f) => f.field)).toEqual(["query.direction"]);
    const id = await expectProblem(await gw.request("/v1/gantries/01F0017", { role: "auditor" }), 400);
    expect(id.fields!.map((f) => f.field)).toEqual(["path.id"]);
  });
});
