import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { keelungToRende } from "../../test/support/tolling.ts";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { TariffCatalog } from "./tariff-catalog.ts";
import { TollQuoteService } from "./toll-quote.ts";

let t: TestDatabase;
let quotes: TollQuoteService;
beforeAll(async () => {
  t = await createTestDatabase();
  quotes = new TollQuoteService(new TariffCatalog(t.db), "Asia/Taipei");
});
afterAll(async () => t.drop());

// The 2015 ids of the official example as the network of 2024-05-07 (version 2024-04) names them.
const IN_2024: Record<string, string> = { "01F0155S": "01F0153S", "01F0509S": "01F0511S", "01F1725S": "01F1699S", "01F2483S": "01F2472S" };

describe("tariffs price the gantries of their network version", () => {
  test("a 2024 quote with the 2024 gantries: the 2015 zones through each gantry's site, the official NT$328 still", async () => {
    const ids2015 = keelungToRende();
    expect(ids2015).toHaveLength(62);
    const ids2024 = ids2015.map((g) => IN_2024[g] ?? g);
    expect(ids2024.filter((g, i) => g !== ids2015[i])).toEqual(["01F0153S", "01F0511S", "01F1699S", "01F2472S"]);
    // every 2024 id is a gantry of that day's network
    const known = await t.db.query<{ id: string }>("select id from network_gantries where version = network_version_at($1) and id = any($2::text[])", [
      new Date("2024-05-07T08:00:00+08:00"),
      ids2024,
    ]);
    expect(known).toHaveLength(62);
    const q = await quotes.quote({ vehicleClass: 31, at: new Date("2024-05-07T08:00:00+08:00"), gantries: ids2024 });
    expect(q.payableTenths).toBe(3280);
    expect(q.lines.every((l) => l.rule === "normal")).toBe(true);
    // 01F0153S is charged the zone of its site (01F0155S: 2.1 km)
    expect(q.lines.find((l) => l.gantryId === "01F0153S")).toMatchObject({ zoneKmTenths: 21, postedTenths: 25 });
    // and the 2015 ids on a 2015 date give the same
    const q2015 = await quotes.quote({ vehicleClass: 31, at: new Date("2016-05-07T08:00:00+08:00"), gantries: ids2015 });
    expect(q2015.payableTenths).toBe(3280);
  });

  test("a gantry the tariff's network does not know is priced 0 with the stated reason not_in_tariff", async () => {
    // 01F0492S opened after the 2015 toll-zone table (first in the 2024-03 version): the 2015 tariff has no zone for it
    const q = await quotes.quote({ vehicleClass: 31, at: new Date("2024-05-07T08:00:00+08:00"), gantries: ["01F0467S", "01F0492S"] });
    expect(q.lines.map((l) => [l.gantryId, l.rule, l.postedTenths])).toEqual([
      ["01F0467S", "normal", q.lines[0]!.postedTenths],
      ["01F0492S", "not_in_tariff", 0],
    ]);
    expect(q.lines[0]!.postedTenths).toBeGreaterThan(0);
  });

  test("toll zones have validity periods: the zone that priced a gantry id on a date", async () => {
    const zoneAt = (id: string, at: string) =>
      t.db.query<{ network_version: string; zone_gantry_id: string; zone_km_tenths: number }>(
        "select network_version, zone_gantry_id, zone_km_tenths from toll_zone_periods where gantry_id = $1 and $2::timestamptz >= valid_from and $2::timestamptz < valid_to",
        [id, at],
      );
    // 01F0153S existed from 2024-04-29 to 2025-02-07, charged the zone of its site (01F0155S, 2.1 km)
    expect(await zoneAt("01F0153S", "2024-05-07T08:00:00+08:00")).toEqual([{ network_version: "2024-04", zone_gantry_id: "01F0155S", zone_km_tenths: 21 }]);
    expect(await zoneAt("01F0153S", "2025-05-07T08:00:00+08:00")).toEqual([]);
    expect(await zoneAt("01F0155S", "2024-05-07T08:00:00+08:00")).toEqual([]);
    expect(await zoneAt("01F0155S", "2025-05-07T08:00:00+08:00")).toEqual([{ network_version: "2025", zone_gantry_id: "01F0155S", zone_km_tenths: 21 }]);
    // 01F0339N (2015) became 01F0340N (2024-03): one zone, two ids, one after the other
    expect((await zoneAt("01F0339N", "2020-01-01T00:00:00+08:00")).map((r) => r.zone_gantry_id)).toEqual(["01F0339N"]);
    expect((await zoneAt("01F0340N", "2024-05-07T08:00:00+08:00")).map((r) => r.zone_gantry_id)).toEqual(["01F0339N"]);
  });
});
