import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import tollQuotesCreate from "./toll-quotes-create.ts";
import { createTestGateway, type TestGateway } from "../../../test/support/gateway.ts";
import { keelungToRende } from "../../../test/support/tolling.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway({ routes: [tollQuotesCreate] });
});
afterAll(async () => gw?.close());

const quote = (json: unknown, role: "admin" | "toll_operator" | "traffic_operator" | "auditor" = "toll_operator") =>
  gw.request("/v1/toll-quotes", { method: "POST", role, json });

describe("POST /v1/toll-quotes", () => {
  test("the official example: Keelung end -> Tainan (Rende), 62 southbound zones, car -> NT$328", async () => {
    const gantries = keelungToRende();
    expect(gantries.length).toBe(62);
    expect([gantries[0], gantries[61]]).toEqual(["01F0005S", "01F3252S"]);
    const res = await quote({ vehicleClass: 31, at: "2024-03-25T08:00:00+08:00", gantries });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown> & { lines: { gantryId: string; postedTenths: number }[] };
    expect(body.payableNtd).toBe(328);
    expect(body.payableTenths).toBe(3280);
    expect(body.localDay).toBe("2024-03-25");
    expect(body.lines.length).toBe(62);
    // The per-gantry breakdown adds up to the posted total, and agrees with the seeded tariff zones.
    expect(body.lines.reduce((s, l) => s + l.postedTenths, 0)).toBe(body.postedTotalTenths as number);
    const seeded = await gw.testDb.db.one<{ s: number }>(
      "select sum(floor(z.zone_km_tenths * 12 / 10))::int as s from tariff_zones z where z.gantry_id = any($1::text[])",
      [gantries],
    );
    expect(body.postedTotalTenths).toBe(seeded.s);
    expect(body.longDistanceThresholdTenths).toBe(2400);
    expect(body.freeTenths).toBe(240);
  });

  test("every role may quote; a heavy truck pays the 1.5/km rate", async () => {
    const gantries = keelungToRende();
    const res = await quote({ vehicleClass: 42, at: "2024-03-25T08:00:00+08:00", gantries }, "traffic_operator");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { postedTotalTenths: number; payableTenths: number; longDistanceThresholdTenths: number };
    expect(body.longDistanceThresholdTenths).toBe(3000);
    expect(body.postedTotalTenths).toBeGreaterThan(3895);
    expect(body.payableTenths % 10).toBe(0);
  });

  test("a short trip within the free 20 km costs 0", async () => {
    const res = await quote({ vehicleClass: 31, at: "2024-03-25T08:00:00+08:00", gantries: ["01F0005S", "01F0017S"] });
    expect((await res.json()) as { payableTenths: number; postedTotalTenths: number }).toMatchObject({ payableTenths: 0, postedTotalTenths: 27 });
  });

  test("special days apply by the quoted time: a single-rate day charges 75 % without free km", async () => {
    await gw.testDb.db.query("insert into tariff_special_days (day, kind, rate_pct) values ('2024-02-10', 'single_rate', 75)");
    const gantries = keelungToRende();
    const res = await quote({ vehicleClass: 31, at: "2024-02-10T08:00:00+08:00", gantries });
    const body = (await res.json()) as { singleRateDay: boolean; chargedTotalTenths: number; payableTenths: number; freeTenths: number };
    expect(body.singleRateDay).toBe(true);
    expect(body.freeTenths).toBe(0);
    const exact = body.chargedTotalTenths;
    expect(body.payableTenths).toBe(Math.floor((exact + 5) / 10) * 10);
  });
});
