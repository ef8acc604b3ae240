import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, expectJson, type TestGateway } from "../../../test/support/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway();
});
afterAll(() => gw.close());

describe("reference data", () => {
  test("gantries: the whole seeded network, and filters by freeway, direction, km and active flag", async () => {
    const all = await expectJson(await gw.request("/v1/gantries", { role: "traffic_operator" }), 200);
    expect(all.items.length).toBe((await gw.testDb.db.one<{ n: number }>("select count(*)::int as n from gantries")).n);
    const south = await expectJson(await gw.request("/v1/gantries?freeway=01F&direction=S&fromKm=0&toKm=5", { role: "auditor" }), 200);
    expect(south.items.length).toBeGreaterThan(0);
    for (const g of south.items) expect(g).toMatchObject({ freeway: "01F", direction: "S" });
    expect(south.items.every((g: any) => g.km >= 0 && g.km <= 5)).toBe(true);
    expect(south.items.map((g: any) => g.km)).toEqual([...south.items.map((g: any) => g.km)].sort((a, b) => a - b));
    await gw.testDb.db.query("update gantries set active = false where id = '01F0005S'");
    const inactive = await expectJson(await gw.request("/v1/gantries?active=false", { role: "toll_operator" }), 200);
    expect(inactive.items.map((g: any) => g.id)).toEqual(["01F0005S"]);
    const one = await expectJson(await gw.request("/v1/gantries/01F0017S", { role: "admin" }), 200);
    expect(one).toMatchObject({ id: "01F0017S", freeway: "01F", direction: "S", km: 1.7 });
  });

  test("toll zones: the published table, filtered; 62 southbound zones from Keelung end to Tainan (Rende)", async () => {
    const all = await expectJson(await gw.request("/v1/toll-zones", { role: "auditor" }), 200);
    expect(all.items.length).toBe((await gw.testDb.db.one<{ n: number }>("select count(*)::int as n from toll_zones")).n);
    const south = await expectJson(await gw.request("/v1/toll-zones?freeway=01F&direction=S", { role: "auditor" }), 200);
    const route = south.items.filter((z: any) => z.gantryId >= "01F0005S" && z.gantryId <= "01F3252S");
    expect(route.length).toBe(62);
    // Each posted car price is the zone length x NT$1.2/km, truncated to NT$0.1.
    for (const z of route) expect(z.carPriceTenths).toBe(Math.floor((Math.round(z.zoneKm * 10) * 12) / 10));
    expect(route[0]).toMatchObject({ gantryId: "01F0005S", zoneKm: 1.1, carPriceTenths: 13 });
  });
});
