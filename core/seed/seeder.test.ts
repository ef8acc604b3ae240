import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { deriveSegments, loadGantries, loadTollZones, mapZonesToGantries } from "./network-data.ts";
import { DEFAULT_TARIFF, Seeder } from "./seeder.ts";

describe("network data", () => {
  const gantries = loadGantries();
  const zones = loadTollZones();

  test("the real 2025 gantry list and 2015 toll-zone table are complete", () => {
    expect(gantries.length).toBe(339);
    expect(zones.length).toBe(331);
    expect(new Set(gantries.map((g) => g.id)).size).toBe(339);
  });

  test("posted car prices are zone km x NT$1.2 truncated, but for the two rows the table itself differs on", () => {
    const differ = zones.filter((z) => Math.floor((z.zoneKmTenths * 12) / 10) !== z.carPriceTenths).map((z) => z.gantryId);
    expect(differ.sort()).toEqual(["05F0438N", "05F0439S"]);
  });

  test("segments join consecutive gantries in the direction of travel", () => {
    const segments = deriveSegments(gantries);
    const first = segments.find((s) => s.fromGantry === "01F0017N");
    expect(first).toEqual({ fromGantry: "01F0017N", toGantry: "01F0005N", freeway: "01F", direction: "N", lengthKm: 1.2 });
    expect(segments.find((s) => s.fromGantry === "01F0005S")?.toGantry).toBe("01F0017S");
    expect(segments.every((s) => s.lengthKm > 0 && s.fromGantry.slice(0, 3) === s.toGantry.slice(0, 3))).toBe(true);
  });

  test("zones of moved or renumbered gantries map onto today's gantry", () => {
    const m = mapZonesToGantries(zones, gantries);
    expect(m.get("01F0339N")).toBe("01F0340N");
    expect(m.get("01F2483S")).toBe("01F2472S");
    expect(m.get("01F0017S")).toBe("01F0017S");
    expect(m.size).toBe(331);
  });
});

describe("Seeder", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ seed: false });
  });
  afterAll(async () => t.drop());

  const counts = async () =>
    t.db.one<{
      gantries: number;
      zones: number;
      segments: number;
      tariffs: number;
      rates: number;
      tzones: number;
      versions: number;
      vgantries: number;
      vsegments: number;
    }>(
      `select (select count(*) from gantries)::int as gantries, (select count(*) from toll_zones)::int as zones,
              (select count(*) from road_segments)::int as segments, (select count(*) from tariffs)::int as tariffs,
              (select count(*) from tariff_class_rates)::int as rates, (select count(*) from tariff_zones)::int as tzones,
              (select count(*) from network_versions)::int as versions, (select count(*) from network_gantries)::int as vgantries,
              (select count(*) from network_segments)::int as vsegments`,
    );

  test("loads 339 gantries, 331 toll zones, the segments and the default tariff", async () => {
    const r = await new Seeder(t.db).run();
    expect(r).toMatchObject({ gantries: 339, tollZones: 331, tariffCreated: true, networkVersionsAdded: ["2015", "2019-08", "2024-03", "2024-04", "2025"] });
    const c = await counts();
    expect(c).toMatchObject({ gantries: 339, zones: 331, segments: r.segments, tariffs: 1, rates: 5, versions: 5, vgantries: 331 + 333 + 339 * 3 });
    expect(c.tzones).toBe(r.tariffZones);
    const rates = await t.db.query("select vehicle_class, rate_tenths_per_km from tariff_class_rates order by vehicle_class");
    expect(rates).toEqual(
      Object.entries(DEFAULT_TARIFF.ratesTenthsPerKm)
        .map(([k, v]) => ({ vehicle_class: Number(k), rate_tenths_per_km: v }))
        .sort((a, b) => a.vehicle_class - b.vehicle_class),
    );
    const tariff = await t.db.one("select daily_free_km_tenths, long_distance_km_tenths, long_distance_discount_pct from tariffs");
    expect(tariff).toEqual({ daily_free_km_tenths: 200, long_distance_km_tenths: 2000, long_distance_discount_pct: 25 });
    const keelung = await t.db.one("select zone_km, car_price_tenths from toll_zones where gantry_id = '01F0005S'");
    expect(keelung).toEqual({ zone_km: 1.1, car_price_tenths: 13 });
  });

  test("seeding again changes nothing", async () => {
    const before = await counts();
    const r = await new Seeder(t.db).run();
    expect(r.tariffCreated).toBe(false);
    expect(r.networkVersionsAdded).toEqual([]);
    expect(await counts()).toEqual(before);
  });
});
