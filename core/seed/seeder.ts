import type { Database } from "../db/database.ts";
import { silentLogger, type Logger } from "../log/logger.ts";
import { NetworkStore } from "../network/network-store.ts";
import { deriveSegments, loadGantries, loadTollZones, mapZonesToGantries, networkDataDir } from "./network-data.ts";

/**
 * Loads the real network and the default tariff. Idempotent: reference rows are upserted by key,
 * the default tariff is created once (identified by code and version) and never rewritten, since
 * passages and settlements refer to it.
 */
export const DEFAULT_TARIFF = {
  code: "TW-ETC-DISTANCE",
  version: 1,
  name: "Taiwan freeway distance-based tolling (2015 toll zones)",
  networkVersion: "2015",
  // Distance-based ETC tolling began 2014-01-01 (Asia/Taipei); the 2015 zone table prices it.
  effectiveFrom: "2014-01-01T00:00:00+08:00",
  dailyFreeKmTenths: 200,
  longDistanceKmTenths: 2000,
  longDistanceDiscountPct: 25,
  ratesTenthsPerKm: { 31: 12, 32: 12, 41: 15, 42: 15, 5: 18 } as Record<number, number>,
};

export const ADJUSTMENT_REASONS: [string, string][] = [
  ["misread", "Tag or plate misread at the gantry"],
  ["wrong_class", "Vehicle class charged differs from the registered class"],
  ["duplicate_charge", "The same passage was charged twice"],
  ["tariff_correction", "Re-rating after a tariff correction"],
  ["goodwill", "Goodwill credit"],
  ["stolen_vehicle", "Passage while the vehicle or tag was reported stolen"],
  ["other", "Other, see note"],
];

export interface SeedReport {
  gantries: number;
  tollZones: number;
  segments: number;
  tariffZones: number;
  tariffCreated: boolean;
  /** Network versions stored by this run (none when seeded before). */
  networkVersionsAdded: string[];
}

export class Seeder {
  constructor(
    private readonly db: Database,
    private readonly logger: Logger = silentLogger,
    private readonly dataDir: string = networkDataDir,
  ) {}

  async run(): Promise<SeedReport> {
    const gantries = loadGantries(this.dataDir);
    const zones = loadTollZones(this.dataDir);
    const segments = deriveSegments(gantries);
    const zoneToGantry = mapZonesToGantries(zones, gantries);

    return this.db.tx(async (tx) => {
      // The network of every date (sql/650); gantries / road_segments become the version in force now.
      const versionsAdded = await new NetworkStore(this.db).seed(tx, this.dataDir);
      const current = await tx.one<{ v: string | null }>("select apply_current_network() as v");
      this.logger.info("seed: network versions", { added: versionsAdded, current: current.v });

      await tx.query(
        `insert into toll_zones (gantry_id, label, direction, zone_km, car_price_tenths, from_interchange, to_interchange, lat, lon)
         select * from unnest($1::text[], $2::text[], $3::text[], $4::numeric[], $5::int[], $6::text[], $7::text[], $8::float8[], $9::float8[])
         on conflict (gantry_id) do update set label = excluded.label, direction = excluded.direction, zone_km = excluded.zone_km,
           car_price_tenths = excluded.car_price_tenths, from_interchange = excluded.from_interchange,
           to_interchange = excluded.to_interchange, lat = excluded.lat, lon = excluded.lon`,
        [
          zones.map((z) => z.gantryId),
          zones.map((z) => z.label),
          zones.map((z) => z.direction),
          zones.map((z) => z.zoneKm),
          zones.map((z) => z.carPriceTenths),
          zones.map((z) => z.fromInterchange),
          zones.map((z) => z.toInterchange),
          zones.map((z) => z.lat),
          zones.map((z) => z.lon),
        ],
      );
      this.logger.info("seed: toll zones", { count: zones.length });

      const t = DEFAULT_TARIFF;
      const inserted = await tx.maybeOne<{ id: number }>(
        `insert into tariffs (code, version, name, network_version, effective_from, daily_free_km_tenths,
                              long_distance_km_tenths, long_distance_discount_pct)
         values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (code, version) do nothing returning id`,
        [t.code, t.version, t.name, t.networkVersion, t.effectiveFrom, t.dailyFreeKmTenths, t.longDistanceKmTenths, t.longDistanceDiscountPct],
      );
      let tariffZones = 0;
      if (inserted) {
        const classes = Object.keys(t.ratesTenthsPerKm).map(Number);
        await tx.query(
          `insert into tariff_class_rates (tariff_id, vehicle_class, rate_tenths_per_km)
           select $1, * from unnest($2::smallint[], $3::int[])`,
          [inserted.id, classes, classes.map((c) => t.ratesTenthsPerKm[c])],
        );
        // Each zone prices its 2015 gantry id and, where it moved, today's gantry too.
        const zoneRows = new Map<string, number>();
        for (const z of zones) {
          zoneRows.set(z.gantryId, z.zoneKmTenths);
          const today = zoneToGantry.get(z.gantryId);
          if (today && !zoneRows.has(today)) zoneRows.set(today, z.zoneKmTenths);
        }
        await tx.query(`insert into tariff_zones (tariff_id, gantry_id, zone_km_tenths) select $1, * from unnest($2::text[], $3::int[])`, [
          inserted.id,
          [...zoneRows.keys()],
          [...zoneRows.values()],
        ]);
        tariffZones = zoneRows.size;
        this.logger.info("seed: default tariff", { code: t.code, version: t.version, zones: tariffZones });
      } else {
        tariffZones = (
          await tx.one<{ n: number }>(
            "select count(*)::int as n from tariff_zones z join tariffs t on t.id = z.tariff_id where t.code = $1 and t.version = $2",
            [t.code, t.version],
          )
        ).n;
      }

      await tx.query(
        `insert into adjustment_reasons (code, description) select * from unnest($1::text[], $2::text[])
         on conflict (code) do nothing`,
        [ADJUSTMENT_REASONS.map((r) => r[0]), ADJUSTMENT_REASONS.map((r) => r[1])],
      );
      await tx.query("insert into plate_billing_policy (id) values (true) on conflict (id) do nothing");

      return {
        gantries: gantries.length,
        tollZones: zones.length,
        segments: segments.length,
        tariffZones,
        tariffCreated: !!inserted,
        networkVersionsAdded: versionsAdded,
      };
    });
  }
}
