import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, expectJson, readJson, type TestGateway } from "../../../test/support/gateway.ts";
import { allClassRates, keelungToRende } from "../../../test/support/tolling.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway();
});
afterAll(async () => gw?.close());

describe("tariff routes", () => {
  test("GET /v1/tariffs lists the seeded default tariff with its class rates", async () => {
    const res = await gw.request("/v1/tariffs", { role: "traffic_operator" });
    expect(res.status).toBe(200);
    const { items } = await readJson(res);
    expect(items.length).toBe(1);
    expect(items[0]).toMatchObject({ code: "TW-ETC-DISTANCE", version: 1, dailyFreeKmTenths: 200, longDistanceKmTenths: 2000, longDistanceDiscountPct: 25 });
    expect(items[0].rates).toContainEqual({ vehicleClass: 31, rateTenthsPerKm: 12 });
    expect(items[0].zoneCount).toBeGreaterThan(300);
  });

  test("GET /v1/tariffs/{id} has the zone lengths", async () => {
    const id = (await gw.testDb.db.one<{ id: number }>("select id from tariffs limit 1")).id;
    const t = await readJson(await gw.request(`/v1/tariffs/${id}`, { role: "auditor" }));
    expect(t.zones).toContainEqual({ gantryId: "01F0005S", zoneKmTenths: 11 });
    expect(t.zones.length).toBe(t.zoneCount);
  });

  test("POST /v1/tariffs publishes the next version, copying zones and overriding some; audited", async () => {
    const res = await gw.request("/v1/tariffs", {
      method: "POST",
      role: "admin",
      json: {
        code: "TW-ETC-DISTANCE",
        name: "Correction: 01F0005S zone",
        effectiveFrom: "2014-01-01T00:00:00+08:00",
        rates: allClassRates(),
        zones: [{ gantryId: "01F0005S", zoneKmTenths: 21 }],
      },
    });
    expect(res.status).toBe(201);
    const t = await readJson(res);
    expect(t).toMatchObject({ version: 2, status: "active", networkVersion: "2015" });
    expect(t.zones).toContainEqual({ gantryId: "01F0005S", zoneKmTenths: 21 });
    expect(t.zones).toContainEqual({ gantryId: "01F0017S", zoneKmTenths: 12 });
    const audit = await gw.testDb.db.one<{ actor: string }>("select actor from audit_log where action = 'tariff.create' and entity_id = $1", [String(t.id)]);
    expect(audit.actor).toBe("test-admin");
    // The correction now prices quotes (same effective_from, higher version).
    const q = await readJson(
      await gw.request("/v1/toll-quotes", {
        method: "POST",
        role: "admin",
        json: { vehicleClass: 31, at: "2024-03-25T08:00:00+08:00", gantries: ["01F0005S"] },
      }),
    );
    expect(q).toMatchObject({ tariffId: t.id, postedTotalTenths: 25 });
  });

  test("a complete tariff of a new code prices every class exactly; the official example still costs NT$328", async () => {
    // Every toll zone given explicitly (no version to copy from: the seeded lengths), every class rated (the seeded rates).
    const zones = (
      await gw.testDb.db.query<{ gantry_id: string; zone_km_tenths: number }>(
        "select gantry_id, zone_km_tenths from tariff_zones where tariff_id = (select id from tariffs where code = 'TW-ETC-DISTANCE' and version = 1)",
      )
    ).map((z) => ({ gantryId: z.gantry_id, zoneKmTenths: z.zone_km_tenths }));
    const rates = allClassRates();
    const res = await gw.request("/v1/tariffs", {
      method: "POST",
      role: "admin",
      json: { code: "TW-ETC-TEST", name: "complete", effectiveFrom: "2030-01-01T00:00:00+08:00", rates, zones },
    });
    const t = await expectJson(res, 201);
    expect(t).toMatchObject({ code: "TW-ETC-TEST", version: 1, status: "active", zoneCount: zones.length });
    expect(t.rates.map((r: { vehicleClass: number }) => r.vehicleClass).sort((a: number, b: number) => a - b)).toEqual([5, 31, 32, 41, 42]);
    const quote = async (vehicleClass: number, at: string, gantries: string[]) =>
      readJson(await gw.request("/v1/toll-quotes", { method: "POST", role: "admin", json: { vehicleClass, at, gantries } }));
    // 01F0005S (1.1 km) + 01F0017S (1.2 km) for a trailer at 1.8/km: floor(11 x 18 / 10) + floor(12 x 18 / 10) = 19 + 21.
    expect(await quote(5, "2030-03-25T08:00:00+08:00", ["01F0005S", "01F0017S"])).toMatchObject({ tariffId: t.id, postedTotalTenths: 40 });
    // The official example (Keelung end -> Tainan/Rende, car) priced by the new tariff: NT$328.
    expect(await quote(31, "2030-03-25T08:00:00+08:00", keelungToRende())).toMatchObject({
      tariffId: t.id,
      postedTotalTenths: 3895,
      payableTenths: 3280,
      payableNtd: 328,
    });
  });

  test("special-day calendar: create, list, update, delete", async () => {
    const created = await gw.request("/v1/tariff-special-days", {
      method: "POST",
      role: "admin",
      json: { day: "2025-01-28", kind: "free_hours", freeFrom: "00:00", freeTo: "07:00", note: "Lunar New Year eve" },
    });
    expect(created.status).toBe(201);
    const s = await readJson(created);
    expect(s).toMatchObject({ day: "2025-01-28", kind: "free_hours", freeFrom: "00:00:00", freeTo: "07:00:00", ratePct: null });

    const list = await readJson(await gw.request("/v1/tariff-special-days?from=2025-01-01&to=2025-12-31", { role: "toll_operator" }));
    expect(list.items.map((x: { id: number }) => x.id)).toEqual([s.id]);

    const upd = await gw.request(`/v1/tariff-special-days/${s.id}`, {
      method: "PUT",
      role: "admin",
      json: { day: "2025-01-28", kind: "single_rate", ratePct: 75 },
    });
    expect(upd.status).toBe(200);
    expect(await readJson(upd)).toMatchObject({ kind: "single_rate", ratePct: 75, freeFrom: null });

    const q = await readJson(
      await gw.request("/v1/toll-quotes", {
        method: "POST",
        role: "admin",
        json: { vehicleClass: 31, at: "2025-01-28T08:00:00+08:00", gantries: ["01F0017S"] },
      }),
    );
    expect(q.singleRateDay).toBe(true);

    const del = await gw.request(`/v1/tariff-special-days/${s.id}`, { method: "DELETE", role: "admin" });
    expect(del.status).toBe(204);
    expect((await readJson(await gw.request("/v1/tariff-special-days?from=2025-01-01&to=2025-12-31", { role: "admin" }))).items).toEqual([]);
    const actions = await gw.testDb.db.query<{ action: string }>("select action from audit_log where entity = 'tariff_special_day' order by id");
    expect(actions.map((a) => a.action)).toEqual(["tariff_special_day.create", "tariff_special_day.update", "tariff_special_day.delete"]);
  });
});
