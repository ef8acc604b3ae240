import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Database } from "../core/db/database.ts";
import { Migrator, defaultSqlDir } from "../core/migrate/migrator.ts";
import { Seeder } from "../core/seed/seeder.ts";
import { HotspotJob } from "../control/hotspots/hotspot-job.ts";
import { segmentReliability } from "../control/hotspots/reliability.ts";
import { DatedNetworks } from "../control/network/dated-networks.ts";
import { SegmentNetwork } from "../control/network/segment-network.ts";
import { TdcsExporter } from "../control/tdcs/tdcs-exporter.ts";
import { TdcsImporter } from "../control/tdcs/tdcs-importer.ts";
import { TravelTimeJob } from "../control/traveltime/travel-time-job.ts";
import { TripsJob } from "../control/trips/trips-job.ts";
import { startTimescale, type TimescaleTestServer } from "./support/timescale.ts";

// The control jobs on TimescaleDB (the PGlite build: hypertables for segment_stats and trips;
// unnest instead of COPY): the same results as on PostgreSQL.
let server: TimescaleTestServer;
let db: Database;

beforeAll(async () => {
  server = await startTimescale();
  const setup = server.database();
  const report = await new Migrator({ db: setup, sqlDir: defaultSqlDir, timescaledb: "on", tollTimezone: "Asia/Taipei" }).run();
  if (!report.timescaledb) throw new Error("the TimescaleDB layer was not applied");
  await new Seeder(setup).run();
  await setup.close();
  db = server.database();
}, 120_000);
afterAll(async () => {
  await db?.close();
  await server?.stop();
});

describe("control on TimescaleDB", () => {
  test("travel times, trips, TDCS import/export and hotspots", async () => {
    const net = await SegmentNetwork.load(db);
    const t0 = Date.parse("2026-11-26T00:00:00Z");
    const rows: unknown[][] = [];
    for (let k = 0; k < 5; k++) {
      rows.push([new Date(t0 + k * 1000), "01F0005S", `T${k}`, 31, 31, k + 1]);
      rows.push([new Date(t0 + k * 1000 + 60_000 + k * 1000), "01F0017S", `T${k}`, 31, 31, k + 100]);
    }
    await db.bulkInsert(
      "passages",
      ["ts:timestamptz", "gantry_id:text", "tag_id:text", "read_class:smallint", "vehicle_class:smallint", "batch_no:bigint"].map((c) => {
        const [name, type] = c.split(":");
        return { name: name!, type: type! };
      }),
      rows,
    );
    await new TravelTimeJob(db, net).runOnce(t0 + 10 * 60_000);
    const st = await db.one<{ tt: number; v: number }>("select travel_time_s as tt, volume as v from segment_stats where source = 'computed'");
    expect(st).toEqual({ tt: 62, v: 5 });
    await new TripsJob(db, net).runOnce(t0 + 60 * 60_000);
    expect((await db.one<{ n: number }>("select count(*)::int as n from trips where trip_end")).n).toBe(5);

    const fixture = join(import.meta.dir, "fixtures", "tdcs", "M05A_20240507_0630_1030_01F_N_km15-50.csv");
    // The PGlite TimescaleDB build drops the connection on large statements: small batches.
    await new TdcsImporter(db, "Asia/Taipei", { batchRows: 1000 }).importFile(fixture);
    const from = Date.parse("2024-05-07T06:30:00+08:00");
    const to = Date.parse("2024-05-07T10:30:00+08:00");
    await new HotspotJob(db, await DatedNetworks.load(db), undefined, { source: "tdcs" }).analyse(from, to);
    const hs = await db.query<{ f: string; s: string; d: number }>(
      "select from_gantry as f, status as s, round(delay_vehicle_hours)::int as d from hotspots order by started_at, from_gantry",
    );
    // the same six as on PostgreSQL (test/control-hotspots.test.ts), on the network of 2024-05-07
    expect(hs.map((h) => [h.f, h.s, h.d])).toEqual([
      ["01F0293N", "cleared", 432],
      ["01F0213N", "cleared", 3461],
      ["01F0256N", "cleared", 1877],
      ["01F0376N", "active", 227],
      ["01F0467N", "active", 113],
      ["01F0256N", "new", 302],
    ]);
    const lines: string[] = [];
    for await (const l of new TdcsExporter(db, "Asia/Taipei").lines("M05A", from, to, { source: "tdcs", zeroRows: "stored" })) lines.push(l);
    // the fixture has 2400 rows; the 12 without data are left to the network grid (zeroRows: "network" writes them)
    expect(lines).toHaveLength(2388);
    const rel = await segmentReliability(db, { fromMs: from, toMs: to, source: "tdcs" });
    expect(rel[0]!.tti).toBeGreaterThan(2);
  }, 120_000);
});
