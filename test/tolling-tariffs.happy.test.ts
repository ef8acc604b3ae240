import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, type TestGateway } from "./support/gateway.ts";
import { body } from "./tolling-support.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway();
});
afterAll(async () => gw?.close());

describe("tariff routes", () => {
  test("GET /v1/tariffs lists the seeded default tariff with its class rates", async () => {
    const res = await gw.request("/v1/tariffs", { role: "traffic_operator" });
    expect(res.status).toBe(200);
    const { items } = await body(res);
    expect(items.length).toBe(1);
    expect(items[0]).toMatchObject({ code: "TW-ETC-DISTANCE", version: 1, dailyFreeKmTenths: 200, longDistanceKmTenths: 2000, longDistanceDiscountPct: 25 });
    expect(items[0].rates).toContainEqual({ vehicleClass: 31, rateTenthsPerKm: 12 });
    expect(items[0].zoneCount).toBeGreaterThan(300);
  });

  test("GET /v1/tariffs/{id} has the zone lengths", async () => {
    const id = (await gw.testDb.db.one<{ id: number }>("select id from tariffs limit 1")).id;
    const t = await body(await gw.request(`/v1/tariffs/${id}`, { role: "auditor" }));
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
        rates: [{ vehicleClass: 31, rateTenthsPerKm: 12 }, { vehicleClass: 42, rateTenthsPerKm: 15 }],
        zones: [{ gantryId: "01F0005S", zoneKmTenths: 21 }],
      },
    });
    expect(res.status).toBe(201);
    const t = await body(res);
    expect(t).toMatchObject({ version: 2, status: "active", networkVersion: "2015" });
    expect(t.zones).toContainEqual({ gantryId: "01F0005S", zoneKmTenths: 21 });
    expect(t.zones).toContainEqual({ gantryId: "01F0017S", zoneKmTenths: 12 });
    const audit = await gw.testDb.db.one<{ actor: string }>("select actor from audit_log where action = 'tariff.create' and entity_id = $1", [String(t.id)]);
    expect(audit.actor).toBe("test-admin");
    // The correction now prices quotes (same effective_from, higher version).
    const q = await body(await gw.request("/v1/toll-quotes", { method: "POST", role: "admin", json: { vehicleClass: 31, at: "2024-03-25T08:00:00+08:00", gantries: ["01F0005S"] } }));
    expect(q).toMatchObject({ tariffId: t.id, postedTotalTenths: 25 });
  });

  test("special-day calendar: create, list, update, delete", async () => {
    const created = await gw.request("/v1/tariff-special-days", {
      method: "POST",
      role: "admin",
      json: { day: "2025-01-28", kind: "free_hours", freeFrom: "00:00", freeTo: "07:00", note: "Lunar New Year eve" },
    });
    expect(created.status).toBe(201);
    const s = await body(created);
    expect(s).toMatchObject({ day: "2025-01-28", kind: "free_hours", freeFrom: "00:00:00", freeTo: "07:00:00", ratePct: null });

    const list = await body(await gw.request("/v1/tariff-special-days?from=2025-01-01&to=2025-12-31", { role: "toll_operator" }));
    expect(list.items.map((x: { id: number }) => x.id)).toEqual([s.id]);

    const upd = await gw.request(`/v1/tariff-special-days/${s.id}`, { method: "PUT", role: "admin", json: { day: "2025-01-28", kind: "single_rate", ratePct: 75 } });
    expect(upd.status).toBe(200);
    expect(await body(upd)).toMatchObject({ kind: "single_rate", ratePct: 75, freeFrom: null });

    const q = await body(await gw.request("/v1/toll-quotes", { method: "POST", role: "admin", json: { vehicleClass: 31, at: "2025-01-28T08:00:00+08:00", gantries: ["01F0017S"] } }));
    expect(q.singleRateDay).toBe(true);

    const del = await gw.request(`/v1/tariff-special-days/${s.id}`, { method: "DELETE", role: "admin" });
    expect(del.status).toBe(204);
    expect((await body(await gw.request("/v1/tariff-special-days?from=2025-01-01&to=2025-12-31", { role: "admin" }))).items).toEqual([]);
    const actions = await gw.testDb.db.query<{ action: string }>("select action from audit_log where entity = 'tariff_special_day' order by id");
    expect(actions.map((a) => a.action)).toEqual(["tariff_special_day.create", "tariff_special_day.update", "tariff_special_day.delete"]);
  });
});
