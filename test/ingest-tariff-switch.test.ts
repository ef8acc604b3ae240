import { describe, expect, test } from "bun:test";
import { loadConfig } from "../core/config/config.ts";
import { TariffAdmin } from "../core/tariff/tariff-admin.ts";
import { header, tagOf, useIngestWithDefaultWindow } from "./support/ingest.ts";

// A new tariff version takes effect at its exact start time: the ingest sees a change before it
// builds its next group (not at its periodic reload, 30 s here), and prices every read by the
// version in force at the read's own time, so reads on both sides of the start are priced apart.
const G = "01F0017N";
const defaults = loadConfig({}).ingest;

const t = useIngestWithDefaultWindow({ refreshIntervalMs: 30_000 });

const iso = (ms: number) => new Date(ms).toISOString();

interface Priced extends Record<string, unknown> {
  tag_id: string;
  tariff_id: number;
  posted_price_tenths: number;
}

const pricedBatch = (batch: number) =>
  t.tdb.db.query<Priced>("select tag_id, tariff_id, posted_price_tenths from passages where gantry_id = $1 and batch_no = $2 order by ts, tag_id", [G, batch]);

describe("tariff switch", () => {
  test("a version published 3 s ahead prices reads from its start to the millisecond, before any periodic reload", async () => {
    const old = await t.tdb.db.one<{ id: number; code: string; zone: number; car: number; truck: number }>(
      `select t.id, t.code, z.zone_km_tenths as zone,
              (select rate_tenths_per_km from tariff_class_rates where tariff_id = t.id and vehicle_class = 31) as car,
              (select rate_tenths_per_km from tariff_class_rates where tariff_id = t.id and vehicle_class = 42) as truck
         from tariffs t join tariff_zones z on z.tariff_id = t.id and z.gantry_id = $1 where t.status = 'active'`,
      [G],
    );
    // Posted price = floor(zone km tenths x rate tenths per km / 10), in NT$0.1.
    const price = (rate: number) => Math.floor((old.zone * rate) / 10);
    expect(old.car).toBe(12);
    // The ingest has loaded its reference data and priced with it.
    const warm = await t.gantry.request(["TR1", header(G, 1), JSON.stringify([{ tag: tagOf(1), ts: iso(Date.now()), class: 31 }])]);
    expect(warm).toMatchObject({ status: "ok", accepted: 1 });
    expect((await pricedBatch(1))[0]).toMatchObject({ tariff_id: old.id, posted_price_tenths: price(12) });

    const start = Math.ceil(Date.now() / 1000) * 1000 + 3000;
    const created = await t.tdb.db.tx((tx) =>
      new TariffAdmin(tx).create(tx, {
        code: old.code,
        name: "test: car 1.7/km, heavy truck 3.1/km",
        effectiveFrom: new Date(start),
        rates: [
          { vehicleClass: 31, rateTenthsPerKm: 17 },
          { vehicleClass: 32, rateTenthsPerKm: 17 },
          { vehicleClass: 41, rateTenthsPerKm: 21 },
          { vehicleClass: 42, rateTenthsPerKm: 31 },
          { vehicleClass: 5, rateTenthsPerKm: 35 },
        ],
      }),
    );
    expect(price(17)).not.toBe(price(12));

    // Sent right away, before the start: reads stamped on both sides of it (a gantry clock a little
    // ahead) are priced by the version in force at each read's time.
    const straddling = [
      { tag: tagOf(10), ts: iso(start - 1), class: 31 },
      { tag: tagOf(11), ts: iso(start), class: 31 },
      { tag: tagOf(12), ts: iso(start + 1), class: 42 },
      { tag: tagOf(13), ts: iso(start - 1), class: 42 },
    ];
    const r2 = await t.gantry.request(["TR1", header(G, 2), JSON.stringify(straddling)]);
    expect(r2).toMatchObject({ status: "ok", accepted: 4 });
    expect(Date.now()).toBeLessThan(start);
    expect(await pricedBatch(2)).toEqual([
      { tag_id: tagOf(10), tariff_id: old.id, posted_price_tenths: price(old.car) },
      { tag_id: tagOf(13), tariff_id: old.id, posted_price_tenths: price(old.truck) },
      { tag_id: tagOf(11), tariff_id: created.id, posted_price_tenths: price(17) },
      { tag_id: tagOf(12), tariff_id: created.id, posted_price_tenths: price(31) },
    ]);

    // After the start, in real time: a late read from before it keeps the old price.
    while (Date.now() < start + 200) await Bun.sleep(50);
    const now = Date.now();
    const r3 = await t.gantry.request([
      "TR1",
      header(G, 3),
      JSON.stringify([
        { tag: tagOf(20), ts: iso(start - 500), class: 31 },
        { tag: tagOf(21), ts: iso(now), class: 31 },
      ]),
    ]);
    expect(r3).toMatchObject({ status: "ok", accepted: 2 });
    expect(await pricedBatch(3)).toEqual([
      { tag_id: tagOf(20), tariff_id: old.id, posted_price_tenths: price(12) },
      { tag_id: tagOf(21), tariff_id: created.id, posted_price_tenths: price(17) },
    ]);
  });

  test("a gantry registered a moment ago is accepted at once", async () => {
    await t.tdb.db.query(`insert into gantries (id, road_id, road_name, freeway, direction, km) values ('09Z0001N', '000099', 'test road', '09Z', 'N', 0.1)`);
    const r = await t.gantry.request(["TR1", header("09Z0001N", 1), JSON.stringify([{ tag: tagOf(30), ts: iso(Date.now()), class: 31 }])]);
    expect(r).toMatchObject({ status: "ok", accepted: 1 });
  });
});
