import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, type TestGateway } from "../../../test/support/gateway.ts";
import { trafficRoutes } from "./index.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway();
});
afterAll(() => gw.close());

// Concrete paths with valid queries, so only the role decides.
const PERIOD = "from=2024-05-07T06:00:00Z&to=2024-05-07T07:00:00Z";
const paths = [
  `/v1/traffic/counts?${PERIOD}`,
  `/v1/traffic/travel-times?${PERIOD}`,
  `/v1/traffic/speeds?${PERIOD}`,
  "/v1/traffic/trips?plate=ABC-1234",
  "/v1/traffic/hotspots?current=true",
  `/v1/traffic/reliability?${PERIOD}`,
  `/v1/traffic/tdcs/M03A?${PERIOD}`,
];

describe("traffic routes: who may read", () => {
  test("every traffic route is for traffic operators and admins only; putting a segment under pricing for admins alone", () => {
    for (const r of trafficRoutes) {
      const pricing = r.method === "put" && r.path === "/v1/traffic/priced-segments/{fromGantry}/{toGantry}";
      expect([...(r.roles as string[])].sort()).toEqual(pricing ? ["admin"] : ["admin", "traffic_operator"]);
    }
  });

  test("traffic operator and admin 200; toll operator and auditor 403; no key 401", async () => {
    for (const p of paths) {
      expect((await gw.request(p, { role: "traffic_operator" })).status).toBe(200);
      expect((await gw.request(p, { role: "admin" })).status).toBe(200);
      expect((await gw.request(p, { role: "toll_operator" })).status).toBe(403);
      expect((await gw.request(p, { role: "auditor" })).status).toBe(403);
      expect((await gw.request(p)).status).toBe(401);
    }
    expect((await gw.request("/v1/traffic/hotspots/1", { role: "toll_operator" })).status).toBe(403);
  });
});
