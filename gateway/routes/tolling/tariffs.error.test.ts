import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, problemOf, type TestGateway } from "../../../test/support/gateway.ts";
import { allClassRates } from "../../../test/support/tolling.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway();
});
afterAll(async () => gw?.close());

const newTariff = (over: Record<string, unknown> = {}) => ({
  code: "TW-ETC-DISTANCE",
  name: "x",
  effectiveFrom: "2025-01-01T00:00:00+08:00",
  rates: allClassRates(),
  ...over,
});

describe("tariff route errors", () => {
  test("an unknown tariff is a 404; a bad id a 400", async () => {
    expect((await problemOf(await gw.request("/v1/tariffs/999999", { role: "admin" }))).status).toBe(404);
    expect((await problemOf(await gw.request("/v1/tariffs/abc", { role: "admin" }))).fields).toContain("path.id");
  });

  test("reading tariffs needs a key", async () => {
    expect((await problemOf(await gw.request("/v1/tariffs"))).status).toBe(401);
    expect((await problemOf(await gw.request("/v1/tariffs/1"))).status).toBe(401);
    expect((await problemOf(await gw.request("/v1/tariff-special-days?from=2025-01-01&to=2025-01-31"))).status).toBe(401);
  });

  test("only admins publish tariffs or edit the calendar", async () => {
    expect((await gw.request("/v1/tariffs", { method: "POST", role: "toll_operator", json: newTariff() })).status).toBe(403);
    expect(
      (await gw.request("/v1/tariff-special-days", { method: "POST", role: "auditor", json: { day: "2025-01-01", kind: "single_rate", ratePct: 75 } })).status,
    ).toBe(403);
    expect((await gw.request("/v1/tariffs", { method: "POST", json: newTariff() })).status).toBe(401);
  });

  test("bad tariff input names the field", async () => {
    const cases: [Record<string, unknown>, string, number][] = [
      [
        newTariff({
          rates: [
            { vehicleClass: 31, rateTenthsPerKm: 12 },
            { vehicleClass: 31, rateTenthsPerKm: 13 },
          ],
        }),
        "body.rates",
        400,
      ],
      [newTariff({ effectiveTo: "2024-01-01T00:00:00+08:00" }), "body.effectiveTo", 400],
      // Found by test/gateway.fuzz.test.ts: a gantry twice was a 500 (ON CONFLICT cannot affect a row twice).
      [
        newTariff({
          status: "draft",
          zones: [
            { gantryId: "01F0005S", zoneKmTenths: 1 },
            { gantryId: "01F0017S", zoneKmTenths: 2 },
            { gantryId: "01F0005S", zoneKmTenths: 3 },
          ],
        }),
        "body.zones.2.gantryId",
        400,
      ],
      [newTariff({ rates: [{ vehicleClass: 7, rateTenthsPerKm: 12 }] }), "body.rates.0.vehicleClass", 400],
      [newTariff({ code: "lower case" }), "body.code", 400],
      [newTariff({ copyZonesFrom: 987654 }), "body.copyZonesFrom", 422],
    ];
    for (const [json, field, status] of cases) {
      const p = await problemOf(await gw.request("/v1/tariffs", { method: "POST", role: "admin", json }));
      expect([p.status, p.fields]).toEqual([status, expect.arrayContaining([field])]);
    }
    expect((await gw.testDb.db.one<{ n: number }>("select count(*)::int as n from tariffs")).n).toBe(1);
  });

  test("an active tariff that leaves a vehicle class unrated is a 422 naming the classes; nothing is stored", async () => {
    const p = await problemOf(
      await gw.request("/v1/tariffs", { method: "POST", role: "admin", json: newTariff({ rates: [{ vehicleClass: 31, rateTenthsPerKm: 12 }] }) }),
    );
    expect([p.status, p.fields]).toEqual([422, ["body.rates"]]);
    expect(p.detail).toContain("no rate for vehicle class 32, 41, 42, 5");
    // Explicitly active, two classes missing.
    const two = allClassRates().filter((r) => r.vehicleClass !== 41 && r.vehicleClass !== 5);
    const q = await problemOf(await gw.request("/v1/tariffs", { method: "POST", role: "admin", json: newTariff({ status: "active", rates: two }) }));
    expect([q.status, q.fields, q.detail.includes("no rate for vehicle class 41, 5")]).toEqual([422, ["body.rates"], true]);
    expect((await gw.testDb.db.one<{ n: number }>("select count(*)::int as n from tariffs")).n).toBe(1);
    expect((await gw.testDb.db.one<{ n: number }>("select count(*)::int as n from tariff_class_rates")).n).toBe(5);
  });

  test("an active tariff that leaves toll zones without a length is a 422 naming them", async () => {
    // A new code has no version to copy zones from: only the two given are priced.
    const zones = [
      { gantryId: "01F0005S", zoneKmTenths: 11 },
      { gantryId: "01F0017S", zoneKmTenths: 12 },
    ];
    const p = await problemOf(await gw.request("/v1/tariffs", { method: "POST", role: "admin", json: newTariff({ code: "TW-NEW", zones }) }));
    const total = (await gw.testDb.db.one<{ n: number }>("select count(*)::int as n from toll_zones")).n;
    expect([p.status, p.fields]).toEqual([422, ["body.zones"]]);
    expect(p.detail).toContain(`and ${total - 2 - 20} more`);
    expect(p.detail).not.toContain("01F0005S,");
    expect((await gw.testDb.db.one<{ n: number }>("select count(*)::int as n from tariffs where code = 'TW-NEW'")).n).toBe(0);
  });

  test("a draft may be incomplete (drafts never price)", async () => {
    const res = await gw.request("/v1/tariffs", {
      method: "POST",
      role: "admin",
      json: newTariff({ code: "TW-DRAFT", status: "draft", rates: [{ vehicleClass: 31, rateTenthsPerKm: 12 }] }),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ status: "draft", zoneCount: 0, rates: [{ vehicleClass: 31, rateTenthsPerKm: 12 }] });
  });

  test("a special day without the fields its kind needs is a 400 naming them", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ day: "2025-01-01", kind: "single_rate" }, "body.ratePct"],
      [{ day: "2025-01-01", kind: "free_hours", freeFrom: "00:00" }, "body.freeTo"],
      [{ day: "2025-01-01", kind: "section_discount", discountPct: 50 }, "body.gantryIds"],
      [{ day: "2025-02-30", kind: "single_rate", ratePct: 75 }, "body.day"],
      [{ day: "2025-01-01", kind: "free_hours", freeFrom: "25:00", freeTo: "07:00" }, "body.freeFrom"],
      [{ day: "2025-01-01", kind: "single_rate", ratePct: 120 }, "body.ratePct"],
    ];
    for (const [json, field] of cases) {
      const p = await problemOf(await gw.request("/v1/tariff-special-days", { method: "POST", role: "admin", json }));
      expect([p.status, p.fields]).toEqual([400, expect.arrayContaining([field])]);
    }
    const p = await problemOf(
      await gw.request("/v1/tariff-special-days", {
        method: "POST",
        role: "admin",
        json: { tariffId: 424242, day: "2025-01-01", kind: "single_rate", ratePct: 75 },
      }),
    );
    expect([p.status, p.fields]).toEqual([422, ["body.tariffId"]]);
  });

  test("updating or deleting a missing special day is a 404; a bad range a 400", async () => {
    expect(
      (await gw.request("/v1/tariff-special-days/777", { method: "PUT", role: "admin", json: { day: "2025-01-01", kind: "single_rate", ratePct: 75 } })).status,
    ).toBe(404);
    expect((await gw.request("/v1/tariff-special-days/777", { method: "DELETE", role: "admin" })).status).toBe(404);
    expect((await problemOf(await gw.request("/v1/tariff-special-days?from=2025-02-01&to=2025-01-01", { role: "admin" }))).fields).toEqual(["query.to"]);
    expect((await problemOf(await gw.request("/v1/tariff-special-days?from=2025-01-01", { role: "admin" }))).fields).toEqual(["query.to"]);
  });
});
