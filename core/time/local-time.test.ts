import { describe, expect, test } from "bun:test";
import { addDays, isLocalDay, LocalCalendar, localDay, localDayBounds, localParts, parseTimeOfDay } from "./local-time.ts";

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

  test("the cached mapping agrees with Intl, DST and quarter-hour zones included", () => {
    const ref = (at: Date, tz: string) => {
      const f = Object.fromEntries(
        new Intl.DateTimeFormat("en-CA", {
          timeZone: tz,
          year: "numeric",
          month: "2-digit",
          day: "2-digit",
          hour: "2-digit",
          minute: "2-digit",
          second: "2-digit",
          hourCycle: "h23",
        })
          .formatToParts(at)
          .map((p) => [p.type, p.value]),
      );
      return { day: `${f.year}-${f.month}-${f.day}`, secondOfDay: Number(f.hour) * 3600 + Number(f.minute) * 60 + Number(f.second) };
    };
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (const tz of ["Asia/Taipei", "America/New_York", "Asia/Kathmandu", "Australia/Adelaide"]) {
      for (let i = 0; i < 500; i++) {
        // Around the 2024 DST changes and anywhere in 2024.
        const base = i % 2 ? Date.parse("2024-03-10T06:00:00Z") : Date.parse("2024-01-01T00:00:00Z");
        const at = new Date(base + Math.floor(rnd() * (i % 2 ? 6 * 3600_000 : 366 * 86_400_000)));
        expect(localParts(at, tz)).toEqual(ref(at, tz));
      }
    }
  });

  test("a calendar's fields and UTC offset, read from its cache, agree with Intl", () => {
    let seed = 777;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (const tz of ["Asia/Taipei", "America/New_York", "Asia/Kathmandu", "Australia/Adelaide"]) {
      const calendar = new LocalCalendar(tz);
      const intl = new Intl.DateTimeFormat("en-CA", {
        timeZone: tz,
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
        hourCycle: "h23",
      });
      for (let i = 0; i < 500; i++) {
        const base = i % 2 ? Date.parse("2024-11-03T04:00:00Z") : Date.parse("1990-01-01T00:00:00Z");
        const at = new Date(base + Math.floor(rnd() * (i % 2 ? 6 * 3600_000 : 40 * 366 * 86_400_000)));
        const f = Object.fromEntries(intl.formatToParts(at).map((p) => [p.type, Number(p.value)]));
        expect(calendar.fields(at)).toEqual({ y: f.year!, mo: f.month!, d: f.day!, h: f.hour!, mi: f.minute!, s: f.second! });
        const offset = Date.UTC(f.year!, f.month! - 1, f.day!, f.hour!, f.minute!, f.second!) - Math.floor(at.getTime() / 1000) * 1000;
        expect(calendar.offsetMs(at)).toBe(offset);
      }
    }
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
