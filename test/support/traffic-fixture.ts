import { join } from "node:path";
import type { Database } from "../../core/db/database.ts";
import { HotspotJob } from "../../control/hotspots/hotspot-job.ts";
import { DatedNetworks } from "../../control/network/dated-networks.ts";
import { TdcsImporter } from "../../control/tdcs/tdcs-importer.ts";
import { TripsJob } from "../../control/trips/trips-job.ts";

/** Test data for the traffic routes: the real TDCS fixtures imported, hotspots detected, one computed trip. */
export const FIXTURES = join(import.meta.dir, "..", "fixtures", "tdcs");
export const TAG = "E2801160600002085BFC8A3A";

export async function loadTrafficFixture(db: Database): Promise<void> {
  const importer = new TdcsImporter(db, "Asia/Taipei");
  await importer.importFile(join(FIXTURES, "M04A_20240325_0700_1000_01F_km0-60.csv"));
  await importer.importFile(join(FIXTURES, "M05A_20240507_0630_1030_01F_N_km15-50.csv"));
  const net = await DatedNetworks.load(db);
  await new HotspotJob(db, net, undefined, { source: "tdcs" }).analyse(Date.parse("2024-05-07T06:30:00+08:00"), Date.parse("2024-05-07T10:30:00+08:00"));
  const t0 = Date.parse("2026-11-26T08:00:00+08:00");
  let batch = 1;
  for (const [m, g] of [
    [0, "01F0005S"],
    [1, "01F0017S"],
    [3, "01F0029S"],
  ] as const) {
    await db.query("insert into passages (ts, gantry_id, tag_id, read_class, vehicle_class, batch_no) values ($1, $2, $3, 31, 31, $4)", [
      new Date(t0 + m * 60_000),
      g,
      TAG,
      batch++,
    ]);
  }
  await new TripsJob(db, net).computeRange(t0, t0 + 3600_000);
}
