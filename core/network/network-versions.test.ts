import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { SegmentNetwork } from "../../control/network/segment-network.ts";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { parseCsvRows, readCsvText } from "../csv/csv.ts";
import { networkDataDir } from "../seed/network-data.ts";
import { NetworkStore } from "./network-store.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());

const at = (local: string) => Date.parse(`${local}T12:00:00+08:00`);

describe("network versions (seeded from the repository's lists)", () => {
  test("five versions, each with its gantries, chains, links and the renumberings that made it", async () => {
    const list = await new NetworkStore(t.db).list();
    expect(list.map((v) => [v.code, v.validFrom, v.validTo, v.gantries, v.mainlineSegments, v.links])).toEqual([
      ["2015", "2013-12-31T16:00:00.000Z", "2019-08-29T16:00:00.000Z", 331, 319, 87],
      ["2019-08", "2019-08-29T16:00:00.000Z", "2024-03-24T16:00:00.000Z", 333, 321, 87],
      ["2024-03", "2024-03-24T16:00:00.000Z", "2024-04-28T16:00:00.000Z", 339, 327, 94],
      ["2024-04", "2024-04-28T16:00:00.000Z", "2025-02-06T16:00:00.000Z", 339, 327, 94],
      ["2025", "2025-02-06T16:00:00.000Z", null, 339, 327, 94],
    ]);
    const aliases = Object.fromEntries(list.map((v) => [v.code, v.aliases.map((a) => `${a.oldId}>${a.newId}`)]));
    expect(aliases["2024-03"]).toEqual([
      "01F0339N>01F0340N",
      "01F0509N>01F0511N",
      "01F0509S>01F0511S",
      "01F1725N>01F1699N",
      "01F1725S>01F1699S",
      "01F2483N>01F2472N",
      "01F2483S>01F2472S",
      "01F3525N>01F3535N",
      "01F3525S>01F3535S",
    ]);
    expect(aliases["2024-04"]).toEqual(["01F0155N>01F0153N", "01F0155S>01F0153S"]);
    expect(aliases["2025"]).toEqual(["01F0153N>01F0155N", "01F0153S>01F0155S", "01F3535N>01F3525N", "01F3535S>01F3525S"]);
  });

  test("a renumbered gantry keeps its site, so a segment's history survives the new id", async () => {
    const sites = await t.db.query<{ version: string; id: string; site: string }>(
      "select version, id, site from network_gantries where site = '01F0155N' order by version",
    );
    expect(sites.map((s) => `${s.version}:${s.id}`)).toEqual(["2015:01F0155N", "2019-08:01F0155N", "2024-03:01F0155N", "2024-04:01F0153N", "2025:01F0155N"]);
  });

  test("a segment's history reads across the renumbering: 01F0213N>01F0153N in 2024, 01F0213N>01F0155N in 2025, one site pair", async () => {
    for (const [bucket, to] of [
      ["2024-05-07T08:00:00+08:00", "01F0153N"],
      ["2025-05-07T08:00:00+08:00", "01F0155N"],
      // not a segment in 2024 (the gantry was 01F0153N then): not part of the history
      ["2024-05-07T08:05:00+08:00", "01F0155N"],
    ]) {
      await t.db.query(
        "insert into segment_stats (bucket, from_gantry, to_gantry, vehicle_class, source, speed_kmh, volume) values ($1, '01F0213N', $2, 31, 'tdcs', 50, 10)",
        [bucket, to],
      );
    }
    const history = await t.db.query<{ bucket: Date; to_gantry: string; version: string }>(
      `select st.bucket, st.to_gantry, s.version from segment_stats st
         join segment_sites s on s.from_gantry = st.from_gantry and s.to_gantry = st.to_gantry and st.bucket >= s.valid_from and st.bucket < s.valid_to
        where s.from_site = '01F0213N' and s.to_site = '01F0155N' order by st.bucket`,
    );
    expect(history.map((h) => [h.bucket.toISOString(), h.to_gantry, h.version])).toEqual([
      ["2024-05-07T00:00:00.000Z", "01F0153N", "2024-04"],
      ["2025-05-07T00:00:00.000Z", "01F0155N", "2025"],
    ]);
  });

  test("the current tables are the 2025 network; a dated load sees that date's network", async () => {
    const now = await SegmentNetwork.load(t.db);
    expect(now.segment("01F0213N", "01F0155N")).toBeGreaterThanOrEqual(0);
    const may2024 = await SegmentNetwork.load(t.db, at("2024-05-07"));
    expect(may2024.version).toBe("2024-04");
    expect(may2024.segment("01F0213N", "01F0153N")).toBeGreaterThanOrEqual(0);
    expect(may2024.segment("01F0153N", "01F0147N")).toBeGreaterThanOrEqual(0);
    expect(may2024.segment("01F0213N", "01F0155N")).toBe(-1);
    const march2024 = await SegmentNetwork.load(t.db, at("2024-03-25"));
    expect(march2024.segment("01F0213N", "01F0155N")).toBeGreaterThanOrEqual(0);
    expect(march2024.segment("01F3559N", "01F3535N")).toBeGreaterThanOrEqual(0);
    const y2020 = await SegmentNetwork.load(t.db, at("2020-01-01"));
    expect(y2020.version).toBe("2019-08");
    expect(y2020.gantry("01F0699S")).toBeGreaterThanOrEqual(0);
    expect(y2020.gantry("01F0339N")).toBeGreaterThanOrEqual(0);
    expect(y2020.gantry("01F0340N")).toBe(-1);
  });

  test("the real M05A day (2024-05-07): every same-road pair of consecutive mainline gantries is a segment of its chain", async () => {
    const rows = parseCsvRows(readCsvText(join(networkDataDir, "tdcs", "M05A_20240507.csv.gz")));
    const pairs = new Set(rows.map((r) => `${r[1]}>${r[2]}`));
    const segs = await t.db.query<{ f: string; t: string; freeway: string; direction: string; kind: string }>(
      "select from_gantry as f, to_gantry as t, freeway, direction, kind from network_segments where version = network_version_at($1)",
      [new Date(at("2024-05-07"))],
    );
    const byPair = new Map(segs.map((s) => [`${s.f}>${s.t}`, s]));
    const unplaced = [...pairs].filter((p) => !byPair.has(p));
    expect(unplaced).toEqual([]);
    // Same road and direction, both ends mainline gantries (id with a km): each one is on its chain.
    const mainlinePairs = [...pairs].filter((p) => /^(\d{2}[A-Z])\d{4}([NS])>\1\d{4}\2$/.test(p));
    expect(mainlinePairs.filter((p) => byPair.get(p)!.kind !== "mainline")).toEqual([]);
    const chains: Record<string, number> = {};
    for (const p of mainlinePairs) {
      const s = byPair.get(p)!;
      chains[`${s.freeway}${s.direction}`] = (chains[`${s.freeway}${s.direction}`] ?? 0) + 1;
    }
    // Freeway 1, its elevated road 01H, 3, 3A and 5, both directions: 327 segments, every one of the
    // version's mainline segments (the file has each chain whole).
    expect(chains).toEqual({ "01FN": 74, "01FS": 74, "01HN": 7, "01HS": 6, "03AN": 1, "03AS": 1, "03FN": 77, "03FS": 77, "05FN": 5, "05FS": 5 });
    expect(segs.filter((s) => s.kind === "mainline").length).toBe(327);
    // The rest are links (junctions, U-turns, the Freeway 5 ramp gantries 05FR113S/05FR143N): 421 pairs in all.
    expect(pairs.size).toBe(421);
    expect(segs.length).toBe(421);
    expect(mainlinePairs).toContain("01F0213N>01F0153N");
    expect(mainlinePairs).toContain("01F0153N>01F0147N");
    expect(mainlinePairs).toContain("01F3535S>01F3561S");
  });
});
