import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, problemOf, type TestGateway } from "../../../test/support/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway({ clock: () => new Date("2024-03-25T12:00:00+08:00") });
});
afterAll(async () => gw?.close());

describe("settlement route errors", () => {
  test("a day that is not over yet (local) is a 422 and leaves no run", async () => {
    const p = await problemOf(await gw.request("/v1/settlements/run", { method: "POST", role: "admin", json: { day: "2024-03-25" } }));
    expect([p.status, p.fields]).toEqual([422, ["body.day"]]);
    expect((await gw.testDb.db.one<{ n: number }>("select count(*)::int as n from settlement_runs")).n).toBe(0);
  });

  test("a malformed day is a 400 naming body.day", async () => {
    for (const day of ["2024-13-01", "yesterday", "2024-03-25'; drop table settlements; --"]) {
      const p = await problemOf(await gw.request("/v1/settlements/run", { method: "POST", role: "admin", json: { day } }));
      expect([p.status, p.fields]).toEqual([400, ["body.day"]]);
    }
    expect((await gw.testDb.db.one<{ n: number }>("select count(*)::int as n from settlements")).n).toBe(0);
  });

  test("auditors may read but not run; traffic operators may not see money", async () => {
    expect((await gw.request("/v1/settlements/run", { method: "POST", role: "auditor", json: { day: "2024-03-24" } })).status).toBe(403);
    expect((await gw.request("/v1/settlements", { role: "traffic_operator" })).status).toBe(403);
    expect((await gw.request("/v1/settlements", { role: "auditor" })).status).toBe(200);
  });

  test("unknown settlement 404, bad cursor and filters 400", async () => {
    expect((await problemOf(await gw.request("/v1/settlements/123456", { role: "admin" }))).status).toBe(404);
    expect((await problemOf(await gw.request("/v1/settlement-runs/123456", { role: "admin" }))).status).toBe(404);
    expect((await problemOf(await gw.request("/v1/settlements?cursor=abc", { role: "admin" }))).fields).toEqual(["query.cursor"]);
    expect((await problemOf(await gw.request("/v1/settlements?accountId=-1", { role: "admin" }))).fields).toEqual(["query.accountId"]);
    expect((await problemOf(await gw.request("/v1/settlement-runs?day=2024-3-1", { role: "admin" }))).fields).toEqual(["query.day"]);
  });
});
