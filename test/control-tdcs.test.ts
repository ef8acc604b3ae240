import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parseCsvRows, readCsvText } from "../core/csv/csv.ts";
import { networkDataDir } from "../core/seed/network-data.ts";
import { TdcsExporter } from "../control/tdcs/tdcs-exporter.ts";
import { TdcsImporter } from "../control/tdcs/tdcs-importer.ts";
import type { TdcsProduct } from "../control/tdcs/tdcs-format.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

// Import real Freeway Bureau files, export them again: the same lines come out (the system can
// analyse the Bureau's files and publish in its layouts). Export order is time, gantry, class,
// the Bureau's files are not sorted by gantry, so both sides are compared sorted.
const TZ = "Asia/Taipei";
const M04A_FIXTURE = join(import.meta.dir, "fixtures", "tdcs", "M04A_20240325_0700_1000_01F_km0-60.csv");
const M03A = join(networkDataDir, "tdcs", "M03A_20240429_180500.csv");
const M06A = join(networkDataDir, "tdcs", "M06A_20190830_sample.csv");

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => tdb.drop());

const fileLines = (path: string) =>
  readCsvText(path)
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "");

async function exported(product: TdcsProduct, from: string, to: string): Promise<string[]> {
  const out: string[] = [];
  for await (const l of new TdcsExporter(tdb.db, TZ).lines(product, Date.parse(from), Date.parse(to), { source: "tdcs" })) out.push(l);
  return out;
}

describe("TDCS import and export", () => {
  test("M04A: a few hours import (progress reported) and export line for line; re-import changes nothing", async () => {
    const importer = new TdcsImporter(tdb.db, TZ);
    const progress: number[] = [];
    const r = await importer.importFile(M04A_FIXTURE, (_f, done) => progress.push(done));
    expect(r.product).toBe("M04A");
    expect(r.rows).toBe(7200);
    expect(progress.at(-1)).toBe(7200);
    const again = await importer.importFile(M04A_FIXTURE);
    expect(again.rows).toBe(7200);
    const n = await tdb.db.one<{ n: number; outside: number }>(
      `select count(*)::int as n,
              count(*) filter (where not exists (select 1 from road_segments r where r.from_gantry = s.from_gantry and r.to_gantry = s.to_gantry))::int as outside
         from segment_stats s where source = 'tdcs'`,
    );
    expect(n.n).toBe(7200);
    // U-turn pairs such as 01F0532S>01F0532N are not road segments but are kept as published
    expect(n.outside).toBeGreaterThan(0);
    const out = await exported("M04A", "2024-03-25T07:00:00+08:00", "2024-03-25T10:00:00+08:00");
    expect(out.sort()).toEqual(fileLines(M04A_FIXTURE).sort());
    expect(out[0]).toMatch(/^2024\/03\/25 07:00,/);
  });

  test("M03A interval and M06A trips round trip", async () => {
    const importer = new TdcsImporter(tdb.db, TZ);
    expect((await importer.importFile(M03A)).product).toBe("M03A");
    expect((await exported("M03A", "2024-04-29T18:05:00+08:00", "2024-04-29T18:10:00+08:00")).sort()).toEqual(fileLines(M03A).sort());
    expect((await importer.importFile(M06A)).product).toBe("M06A");
    await importer.importFile(M06A);
    const trips = await tdb.db.one<{ n: number }>("select count(*)::int as n from trips where source = 'tdcs'");
    expect(trips.n).toBe(parseCsvRows(readCsvText(M06A)).length);
    expect((await exported("M06A", "2019-08-30T00:00:00+08:00", "2019-08-31T00:00:00+08:00")).sort()).toEqual(fileLines(M06A).sort());
  });
});
