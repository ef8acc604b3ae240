import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCsvRows, readCsvText } from "../core/csv/csv.ts";
import { networkDataDir } from "../core/seed/network-data.ts";
import { TdcsExporter } from "../control/tdcs/tdcs-exporter.ts";
import { describeImport, TdcsImporter } from "../control/tdcs/tdcs-importer.ts";
import type { TdcsProduct } from "../control/tdcs/tdcs-format.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

// Two whole days of 606 240 rows each are imported and exported here (about 20 s each on the CI machine).
setDefaultTimeout(120_000);

// Import the Freeway Bureau's real files, export them again: the same lines come out, zero rows
// included (the importer does not store rows without data; the exporter writes them back from the
// network version of the day). Export order is time, gantry, class; the Bureau's files are not sorted
// by gantry, so both sides are compared sorted.
const TZ = "Asia/Taipei";
const M04A_FIXTURE = join(import.meta.dir, "fixtures", "tdcs", "M04A_20240325_0700_1000_01F_km0-60.csv");
const M03A = join(networkDataDir, "tdcs", "M03A_20240429_180500.csv");
const M04A = join(networkDataDir, "tdcs", "M04A_20240325.csv.gz");
const M05A = join(networkDataDir, "tdcs", "M05A_20240507.csv.gz");
const M06A = join(networkDataDir, "tdcs", "M06A_20190830_sample.csv");

let tdb: TestDatabase;
let dir: string;
beforeAll(async () => {
  tdb = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), "tdcs-"));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await tdb.drop();
});

const fileLines = (path: string) =>
  readCsvText(path)
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "");

async function exported(product: TdcsProduct, from: string, to: string, zeroRows: "network" | "stored" = "network"): Promise<string[]> {
  const out: string[] = [];
  for await (const l of new TdcsExporter(tdb.db, TZ).lines(product, Date.parse(from), Date.parse(to), { source: "tdcs", zeroRows })) out.push(l);
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
    expect(again.stored + again.zeroRows).toBe(7200);
    const n = await tdb.db.one<{ n: number }>("select count(*)::int as n from segment_stats where source = 'tdcs'");
    expect(n.n).toBe(again.stored);
    const out = await exported("M04A", "2024-03-25T07:00:00+08:00", "2024-03-25T10:00:00+08:00", "stored");
    const fixtureWithData = fileLines(M04A_FIXTURE).filter((l) => !l.endsWith(",0,0"));
    expect(out.sort()).toEqual(fixtureWithData.sort());
    expect(out[0]).toMatch(/^2024\/03\/25 07:00,/);
  });

  for (const [name, path, product, from, to, version, items] of [
    ["M03A (one interval, 2024-04-29)", M03A, "M03A", "2024-04-29T18:05:00+08:00", "2024-04-29T18:10:00+08:00", "2024-04", 339],
    ["M04A (the whole day 2024-03-25)", M04A, "M04A", "2024-03-25T00:00:00+08:00", "2024-03-26T00:00:00+08:00", "2024-03", 421],
    ["M05A (the whole day 2024-05-07)", M05A, "M05A", "2024-05-07T00:00:00+08:00", "2024-05-08T00:00:00+08:00", "2024-04", 421],
  ] as const) {
    test(`${name}: every row placed on its day's network; export reproduces the file row for row, zero rows included`, async () => {
      const r = await new TdcsImporter(tdb.db, TZ).importFile(path);
      expect(r.product).toBe(product);
      expect(r.versions).toEqual([version]);
      expect(r.used).toEqual({ rows: r.rows, items });
      expect(r.aliased.rows).toBe(0);
      expect(r.unplaced).toEqual({ rows: 0, items: 0, ids: [] });
      expect(r.zeroRows).toBeGreaterThan(0);
      expect(r.stored + r.zeroRows).toBe(r.rows);
      const lines = fileLines(path);
      const out = await exported(product, from, to);
      expect(out.length).toBe(lines.length);
      expect(out.sort()).toEqual(lines.sort());
    });
  }

  test("the import report names what went through an alias and what could not be placed", async () => {
    const file = join(dir, "M05A_20240508_mixed.csv");
    writeFileSync(
      file,
      [
        // 2025 ids on a 2024-05 day: 01F0155N is 01F0153N then
        "2024/05/08 08:00,01F0213N,01F0155N,31,71,40",
        "2024/05/08 08:00,01F0155N,01F0147N,31,65,38",
        // a gantry no version knows, and a pair that is no segment
        "2024/05/08 08:00,01F9999N,01F0147N,31,80,3",
        "2024/05/08 08:00,01F0005S,01F0029S,31,90,5",
        "2024/05/08 08:05,01F0017N,01F0005N,31,88,22",
      ].join("\n"),
    );
    const r = await new TdcsImporter(tdb.db, TZ).importFile(file);
    expect(r.used).toEqual({ rows: 1, items: 1 });
    expect(r.aliased).toEqual({ rows: 2, items: 2, aliases: ["01F0155N>01F0147N=01F0153N>01F0147N", "01F0213N>01F0155N=01F0213N>01F0153N"] });
    expect(r.unplaced).toEqual({ rows: 2, items: 2, ids: ["01F0005S>01F0029S", "01F9999N>01F0147N"] });
    const text = describeImport(r);
    expect(text).toContain("through an alias 2 rows (2 gantry pairs)");
    expect(text).toContain("could not place: 01F0005S>01F0029S 01F9999N>01F0147N");
    // aliased rows are stored under the day's ids; unplaced ones as published
    const stored = await tdb.db.query<{ f: string; t: string }>(
      "select from_gantry as f, to_gantry as t from segment_stats where source = 'tdcs' and bucket = $1 order by 1, 2",
      [new Date("2024-05-08T08:00:00+08:00")],
    );
    expect(stored.map((s) => `${s.f}>${s.t}`)).toEqual(["01F0005S>01F0029S", "01F0153N>01F0147N", "01F0213N>01F0153N", "01F9999N>01F0147N"]);
    // M03A of 2025 with the 2024 id: counted at 01F0155S
    const m03a = join(dir, "M03A_20250301_080000.csv");
    writeFileSync(m03a, "2025-03-01 08:00,01F0153S,S,31,12\n2025-03-01 08:00,01F0017S,S,31,0\n");
    const c = await new TdcsImporter(tdb.db, TZ).importFile(m03a);
    expect(c.versions).toEqual(["2025"]);
    expect(c.aliased.aliases).toEqual(["01F0153S>01F0155S"]);
    expect(c.zeroRows).toBe(1);
  });

  test("M06A trips round trip", async () => {
    const importer = new TdcsImporter(tdb.db, TZ);
    const r = await importer.importFile(M06A);
    expect(r.product).toBe("M06A");
    expect(r.versions).toEqual(["2019-08"]);
    expect(r.unplaced.ids).toEqual([]);
    await importer.importFile(M06A);
    const trips = await tdb.db.one<{ n: number }>("select count(*)::int as n from trips where source = 'tdcs'");
    expect(trips.n).toBe(parseCsvRows(readCsvText(M06A)).length);
    expect((await exported("M06A", "2019-08-30T00:00:00+08:00", "2019-08-31T00:00:00+08:00")).sort()).toEqual(fileLines(M06A).sort());
  });
});
