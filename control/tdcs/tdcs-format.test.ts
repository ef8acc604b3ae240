import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parseCsvRows, readCsvText } from "../../core/csv/csv.ts";
import { networkDataDir } from "../../core/seed/network-data.ts";
import { detectProduct, formatCount, formatPair, formatTrip, parseCount, parsePair, parseTrip } from "./tdcs-format.ts";

const TZ = "Asia/Taipei";
const tdcs = (f: string) => parseCsvRows(readCsvText(join(networkDataDir, "tdcs", f)));

describe("TDCS formats", () => {
  test("detects each real file by shape alone (no name hint)", () => {
    expect(detectProduct(tdcs("M03A_20240429_180500.csv"))).toBe("M03A");
    expect(detectProduct(tdcs("M04A_20240325.csv.gz").slice(0, 20000))).toBe("M04A");
    expect(detectProduct(tdcs("M05A_20240507.csv.gz").slice(0, 20000))).toBe("M05A");
    expect(detectProduct(tdcs("M06A_20190830_sample.csv"))).toBe("M06A");
    expect(detectProduct(tdcs("M05A_20240507.csv.gz").slice(0, 100), "M04A_x.csv")).toBe("M04A");
    expect(() => detectProduct([["a", "b", "c"]])).toThrow(/3 columns/);
  });

  test("every layout parses and formats back to the identical line", () => {
    const lines = {
      count: "2024-04-29 18:05,01F0005N,N,31,123",
      m04a: "2024/03/25 00:00,01F0017N,01F0005N,31,44,29",
      empty: "2024/03/25 00:00,01F0017N,01F0005N,41,0,0",
      trip: "31,2019-08-30 08:51:45,03F0648N,2019-08-30 08:57:09,03F0559N,13.9,Y,2019-08-30 08:51:45+03F0648N; 2019-08-30 08:57:09+03F0559N",
    };
    const c = parseCount(lines.count.split(","), TZ, 1);
    expect(c.bucketMs).toBe(Date.parse("2024-04-29T10:05:00Z"));
    expect(formatCount(c, TZ)).toBe(lines.count);
    const p = parsePair(lines.m04a.split(","), TZ, 1);
    expect(p).toEqual({ bucketMs: Date.parse("2024-03-24T16:00:00Z"), fromGantry: "01F0017N", toGantry: "01F0005N", vehicleClass: 31, value: 44, volume: 29 });
    expect(formatPair(p, TZ)).toBe(lines.m04a);
    expect(parsePair(lines.empty.split(","), TZ, 1).value).toBeNull();
    expect(formatPair(parsePair(lines.empty.split(","), TZ, 1), TZ)).toBe(lines.empty);
    const t = parseTrip(lines.trip.split(","), TZ, 1);
    expect(t.path).toEqual([
      { ts: "2019-08-30T00:51:45.000Z", gantry: "03F0648N" },
      { ts: "2019-08-30T00:57:09.000Z", gantry: "03F0559N" },
    ]);
    expect(formatTrip(t, TZ)).toBe(lines.trip);
  });

  test("bad rows are refused with their line number", () => {
    expect(() => parsePair("2024/03/25 00:00,01F0017N,01F0005N,33,44,29".split(","), TZ, 7)).toThrow(/line 7: bad vehicle type/);
    expect(() => parseCount("yesterday,01F0005N,N,31,1".split(","), TZ, 3)).toThrow(/line 3: bad time/);
    expect(() => parseCount("2024-04-29 18:05,01F0005N,N,31,-1".split(","), TZ, 2)).toThrow(/bad volume/);
  });
});
