import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { networkDataDir } from "../core/seed/network-data.ts";
import { HotspotJob } from "../control/hotspots/hotspot-job.ts";
import { DatedNetworks } from "../control/network/dated-networks.ts";
import { TdcsImporter } from "../control/tdcs/tdcs-importer.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

const TZ = "Asia/Taipei";
const FIXTURE = join(import.meta.dir, "fixtures", "tdcs", "M05A_20240507_0630_1030_01F_N_km15-50.csv");
const M05A_DAY = join(networkDataDir, "tdcs", "M05A_20240507.csv.gz");
const local = (hhmm: string) => Date.parse(`2024-05-07T${hhmm}:00+08:00`);

type Row = {
  from_gantry: string;
  to_gantry: string;
  status: string;
  severity: string;
  started_at: Date;
  ended_at: Date | null;
  extent_upstream_km: number;
  min_speed_kmh: number;
  delay_vehicle_hours: number;
};

let tdb: TestDatabase;
let net: DatedNetworks;
beforeAll(async () => {
  tdb = await createTestDatabase();
  // the network of each date: 2024-05-07 is the 2024-04 version (01F0153, 01F3535)
  net = await DatedNetworks.load(tdb.db);
});
afterAll(async () => tdb.drop());

const hotspots = () =>
  tdb.db.query<Row>(
    `select from_gantry, to_gantry, status, severity, started_at, ended_at, extent_upstream_km, min_speed_kmh, delay_vehicle_hours
       from hotspots where source = 'tdcs' order by started_at, from_gantry`,
  );
const brief = (r: Row) => [
  `${r.from_gantry}>${r.to_gantry}`,
  r.status,
  r.severity,
  new Date(r.started_at.getTime() + 8 * 3600_000).toISOString().slice(11, 16),
  r.ended_at ? new Date(r.ended_at.getTime() + 8 * 3600_000).toISOString().slice(11, 16) : null,
  r.extent_upstream_km,
  Math.round(r.min_speed_kmh),
  Math.round(r.delay_vehicle_hours),
];

describe("hotspots from the real M05A day", () => {
  /*
   * Fixture: M05A 2024-05-07 06:30-10:30, freeway 1 northbound km 15-50 (Taipei, morning peak
   * towards the city). Segments upstream -> downstream: 0492>0467, 0467>0413, 0413>0376, 0376>0340,
   * 0340>0293, 0293>0256, 0256>0233, 0233>0213, 0213>0153, 0153>0147 (0153 is the 2024 id of the
   * gantry the 2025 list calls 0155: detection runs on the network of 2024-05-07, version 2024-04).
   * Checked by hand on the combined (harmonic, volume-weighted) speeds per interval:
   *  - 0293>0256 at 07:00-07:25 runs 14-25 km/h while 0256>0233 runs 64-72: drop > 32 in 6 intervals
   *    (at 06:55 the drop is exactly 32, not more; at 07:30 18 vs 50). Cleared at 07:30. Queue
   *    upstream: 0340>0293 drops to 42-61 km/h from 07:10 (extent 3.7 + 4.7 = 8.4 km), 0376>0340 stays
   *    above 64. Delay e.g. 07:05: 316 veh x 3.7 km x (1/18 - 1/100) = 53 veh-h; 432 in all: severe
   *    (min 14 km/h < 20).
   *  - 0213>0153 (Neihu to Donghu) at 07:55-09:15 runs 39-57 km/h while 0153>0147 runs 70-89 (07:55:
   *    54 vs 86; 08:30: 46 vs 82; 09:15: 39 vs 72); from 09:20 (43 vs 71) the drop is 28-32, so it ends
   *    at 09:20. Its queue reaches back 33.9 km (every segment up to 0492>0467 is below 64 km/h at
   *    some point of it): 3461 veh-h, the morning's largest, and invisible on the 2025 network.
   *  - 0256>0233 at 08:15-08:55 runs 25-28 km/h against 59-61 downstream (drops 33-36, nine
   *    intervals); 09:00-09:15 drops 29-31 only, so it ends at 09:00. The queue then reaches back
   *    through 0293, 0340, 0376, 0413, 0467 (all < 64 km/h; 0492 is at 75): 23.4 km.
   *    A single flag at 09:20 is not a bottleneck (1 of 7) and is not stored.
   *  - 0376>0340 and 0467>0413 at 09:55-10:20: 29-34 vs 73-95 and 39-44 vs 75-89 km/h, six intervals
   *    each, still flagged at the end of the data: 'active', no end yet.
   *  - 0256>0233 again from 10:00 (21/15/14/19 vs 72/81/80/70): four flags, not yet 5 of 7, still
   *    flagged at the end of the data: 'new'.
   */
  test("pinned hotspots on a fixture of four hours, then lifecycle when the data goes quiet", async () => {
    await new TdcsImporter(tdb.db, TZ).importFile(FIXTURE);
    const job = new HotspotJob(tdb.db, net, undefined, { source: "tdcs" });
    await job.analyse(local("06:30"), local("10:30"));
    const expected: (string | number | null)[][] = [
      ["01F0293N>01F0256N", "cleared", "severe", "07:00", "07:30", 8.4, 14, 432],
      ["01F0213N>01F0153N", "cleared", "severe", "07:55", "09:20", 33.9, 36, 3461],
      ["01F0256N>01F0233N", "cleared", "severe", "08:15", "09:00", 23.4, 25, 1877],
      ["01F0376N>01F0340N", "active", "moderate", "09:55", null, 3.6, 29, 227],
      ["01F0467N>01F0413N", "active", "moderate", "09:55", null, 5.4, 39, 113],
      ["01F0256N>01F0233N", "new", "severe", "10:00", null, 6, 14, 302],
    ];
    expect((await hotspots()).map(brief)).toEqual(expected);
    const ids = (await tdb.db.query<{ id: number }>("select id from hotspots order by id")).map((r) => r.id);

    // running again changes nothing (same rows, same ids)
    await job.analyse(local("06:30"), local("10:30"));
    expect((await hotspots()).map(brief)).toEqual(expected);
    expect((await tdb.db.query<{ id: number }>("select id from hotspots order by id")).map((r) => r.id)).toEqual(ids);

    // an hour later with no further flags: the active ones clear where they were last seen, the
    // unconfirmed one was never a bottleneck and goes away
    await job.runOnce(local("11:30"));
    expect((await hotspots()).map(brief)).toEqual([
      expected[0]!,
      expected[1]!,
      expected[2]!,
      ["01F0376N>01F0340N", "cleared", "moderate", "09:55", "10:25", 3.6, 29, 227],
      ["01F0467N>01F0413N", "cleared", "moderate", "09:55", "10:25", 5.4, 39, 113],
    ]);
  });

  test("the whole day: congestion found in the morning and evening peaks, with delay figures", async () => {
    await tdb.db.query("delete from hotspots");
    await new TdcsImporter(tdb.db, TZ).importFile(M05A_DAY);
    const job = new HotspotJob(tdb.db, net, undefined, { source: "tdcs" });
    const rep = await job.analyse(local("00:00"), local("00:00") + 24 * 3600_000);
    expect(rep.detectSeconds).toBeLessThan(1);
    const rows = await hotspots();
    const hour = (r: Row) => new Date(r.started_at.getTime() + 8 * 3600_000).getUTCHours();
    const morning = rows.filter((r) => hour(r) >= 6 && hour(r) < 10);
    const evening = rows.filter((r) => hour(r) >= 16 && hour(r) < 19);
    const night = rows.filter((r) => hour(r) < 5);
    expect(morning.length).toBeGreaterThanOrEqual(10);
    expect(evening.length).toBeGreaterThanOrEqual(8);
    expect(night).toHaveLength(0);
    expect(rows.every((r) => r.delay_vehicle_hours > 0 && r.min_speed_kmh < 64)).toBe(true);
    // the fixture's morning bottleneck is among them, with the same figures
    const b = rows.find((r) => r.from_gantry === "01F0256N" && brief(r)[3] === "08:15")!;
    expect(Math.round(b.delay_vehicle_hours)).toBe(1877);
    // The renumbered gantries of 2024 are on the chains detection runs over: every segment that
    // touches 01F0153 or 01F3535 has speeds in the grid on most of the day's intervals.
    const grid = await job.loadGrid(local("00:00"), local("00:00") + 24 * 3600_000);
    const day = await net.at(local("12:00"));
    const touching = day!.segments.map((s, i) => ({ s, i })).filter(({ s }) => /01F0153|01F3535/.test(`${s.fromGantry}${s.toGantry}`));
    expect(touching.map(({ s }) => `${s.fromGantry}>${s.toGantry}`).sort()).toEqual([
      "01F0147S>01F0153S",
      "01F0153N>01F0147N",
      "01F0153S>01F0182S",
      "01F0213N>01F0153N",
      "01F3460S>01F3535S",
      "01F3535N>01F3460N",
      "01F3535S>01F3561S",
      "01F3559N>01F3535N",
    ]);
    const combined = grid.combine();
    for (const { s, i } of touching) {
      let withData = 0;
      for (let k = 0; k < 288; k++) if (combined.speed[i * grid.intervals + k]! > 0) withData++;
      expect({ segment: `${s.fromGantry}>${s.toGantry}`, intervalsWithSpeeds: withData > 200 }).toEqual({
        segment: `${s.fromGantry}>${s.toGantry}`,
        intervalsWithSpeeds: true,
      });
    }
    // and bottlenecks are found on them (before network versions these pairs were outside the chains)
    expect(rows.filter((r) => /01F0153|01F3535/.test(r.from_gantry + r.to_gantry)).map(brief)).toEqual([
      ["01F0147S>01F0153S", "cleared", "severe", "06:55", "07:35", 12.4, 25, 385],
      ["01F0147S>01F0153S", "cleared", "severe", "07:55", "08:40", 9.2, 21, 463],
      ["01F0213N>01F0153N", "cleared", "severe", "07:55", "09:20", 33.9, 36, 3461],
      ["01F3559N>01F3535N", "cleared", "severe", "10:10", "11:20", 10.5, 14, 662],
      ["01F0213N>01F0153N", "cleared", "moderate", "17:15", "18:00", 6, 32, 155],
      ["01F3535N>01F3460N", "active", "severe", "21:50", null, 13, 7, 1011],
    ]);
  }, 120_000);
});
