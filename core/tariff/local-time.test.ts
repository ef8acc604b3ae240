import { describe, expect, test } from "bun:test";
import { addDays, isLocalDay, localDay, localDayBounds, localParts, parseTimeOfDay } from "./local-time.ts";

const TPE = "Asia/Taipei";

describe("local time in the toll zone", () => {
  test("23:59 and 00:01 local are different days", () => {
    expect(localDay(new Date("2024-03-25T23:59:00+08:00"), TPE)).toBe("2024-03-25");
    expect(localDay(new Date("2024-03-26T00:01:00+08:00"), TPE)).toBe("2024-03-26");
    // The same instants in UTC are both on the 25th: the local zone decides.
    expect(new Date("2024-03-26T00:01:00+08:00").toISOString().slice(0, 10)).toBe("2024-03-25");
  });

  test("second of day", () => {
    expect(localParts(new Date("2024-03-25T07:30:15+08:00"), TPE).secondOfDay).toBe(7 * 3600 + 30 * 60 + 15);
    expect(localParts(new Date("2024-03-25T16:00:00Z"), TPE)).toEqual({ day: "2024-03-26", secondOfDay: 0 });
  });

  test("day bounds are local midnights", () => {
    const b = localDayBounds("2024-03-25", TPE);
    expect(b.start.toISOString()).toBe("2024-03-24T16:00:00.000Z");
    expect(b.end.toISOString()).toBe("2024-03-25T16:00:00.000Z");
    // A zone with DST: the spring-forward day is 23 hours long.
    const ny = localDayBounds("2024-03-10", "America/New_York");
    expect(ny.end.getTime() - ny.start.getTime()).toBe(23 * 3600_000);
  });

  test("calendar helpers", () => {
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addDays("2024-03-01", -1)).toBe("2024-02-29");
    expect(isLocalDay("2024-02-30")).toBe(false);
    expect(isLocalDay("2024-2-3")).toBe(false);
    expect(parseTimeOfDay("24:00:00")).toBe(86400);
    expect(parseTimeOfDay("06:30")).toBe(23400);
    expect(() => parseTimeOfDay("7am")).toThrow(RangeError);
  });
});
