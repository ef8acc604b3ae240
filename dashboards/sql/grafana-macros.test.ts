import { describe, expect, test } from "bun:test";
import { expandGrafanaSql, formatInterval, goFloat, interpolateMacros, parseGoDuration, replaceTemplateVariables, rfc3339Nano } from "./grafana-macros.ts";

// Expected strings follow Grafana's own macro tests (grafana-postgresql-datasource/macros_test.go).
const from = new Date(Date.UTC(2018, 3, 12, 18, 0, 0));
const to = new Date(from.getTime() + 5 * 60_000);
const plain = { from, to, intervalMs: 600_000, timescaledb: false };
const ts = { ...plain, timescaledb: true };

describe("PostgreSQL macros", () => {
  test("$__time, $__timeEpoch, $__timeFilter, $__timeFrom, $__timeTo", () => {
    expect(interpolateMacros("select $__time(time_column)", plain)).toBe('select time_column AS "time"');
    expect(interpolateMacros("select min($__time(time_column))", plain)).toBe('select min(time_column AS "time")');
    expect(interpolateMacros("select $__timeEpoch(t)", plain)).toBe('select extract(epoch from t) as "time"');
    expect(interpolateMacros("WHERE $__timeFilter(time_column)", plain)).toBe("WHERE time_column BETWEEN '2018-04-12T18:00:00Z' AND '2018-04-12T18:05:00Z'");
    expect(interpolateMacros("select $__timeFrom()", plain)).toBe("select '2018-04-12T18:00:00Z'");
    expect(interpolateMacros("select $__timeTo()", plain)).toBe("select '2018-04-12T18:05:00Z'");
  });

  test("$__timeGroup without TimescaleDB, with the pre-5.3 alias rule", () => {
    expect(interpolateMacros("SELECT $__timeGroup(time_column,'5m')", plain)).toBe("SELECT floor(extract(epoch from time_column)/300)*300");
    expect(interpolateMacros("SELECT $__timeGroup(time_column,'5m'), value", plain)).toBe(
      'SELECT floor(extract(epoch from time_column)/300)*300 AS "time", value',
    );
    expect(interpolateMacros("SELECT $__timeGroup(time_column,'5m') as time, value", plain)).toBe(
      "SELECT floor(extract(epoch from time_column)/300)*300 as time, value",
    );
    expect(interpolateMacros("$__timeGroupAlias(time_column , '5m')", plain)).toBe('floor(extract(epoch from time_column)/300)*300 AS "time"');
    // Go's %v switches to exponent form from 1e6 on.
    expect(interpolateMacros("$__timeGroup(t, '12d')", plain)).toBe("floor(extract(epoch from t)/1.0368e+06)*1.0368e+06");
  });

  test("$__timeGroup with TimescaleDB uses time_bucket", () => {
    expect(interpolateMacros("GROUP BY $__timeGroup(time_column,'5m')", ts)).toBe("GROUP BY time_bucket('300.000s',time_column)");
    expect(interpolateMacros("GROUP BY $__timeGroup(time_column , '12d')", ts)).toBe("GROUP BY time_bucket('1036800.000s',time_column)");
    expect(interpolateMacros("GROUP BY $__timeGroup(time_column , '20ms')", ts)).toBe("GROUP BY time_bucket('0.020s',time_column)");
    expect(interpolateMacros("$__timeGroupAlias(t, 1h)", ts)).toBe(`time_bucket('3600.000s',t) AS "time"`);
  });

  test("unix epoch macros", () => {
    expect(interpolateMacros("select $__unixEpochFilter(time)", plain)).toBe("select time >= 1523556000 AND time <= 1523556300");
    expect(interpolateMacros("select $__unixEpochNanoFrom()", plain)).toBe("select 1523556000000000000");
    expect(interpolateMacros("SELECT $__unixEpochGroupAlias(time_column+time_adjustment,'5m')", plain)).toBe(
      'SELECT floor((time_column+time_adjustment)/300)*300 AS "time"',
    );
    expect(expandGrafanaSql("select $__unixEpochFrom(), $__unixEpochTo()", plain)).toBe("select 1523556000, 1523556300");
  });

  test("errors: unknown macro, bad interval, missing interval", () => {
    expect(() => interpolateMacros("select $__nope(x)", plain)).toThrow(/unknown macro/);
    expect(() => interpolateMacros("select $__timeGroup(x, 'often')", plain)).toThrow(/error parsing interval/);
    expect(() => interpolateMacros("select $__timeGroup(x)", plain)).toThrow(/needs time column/);
  });

  test("$__interval and $__interval_ms come before the macros", () => {
    expect(expandGrafanaSql("SELECT $__interval, $__interval_ms", plain)).toBe("SELECT 10m, 600000");
    expect(expandGrafanaSql("$__timeGroupAlias(bucket, $__interval)", ts)).toBe(`time_bucket('600.000s',bucket) AS "time"`);
  });
});

describe("Go formatting helpers", () => {
  test("RFC3339Nano drops zero fractions", () => {
    expect(rfc3339Nano(new Date(Date.UTC(1960, 1, 1, 7, 0, 0, 500)))).toBe("1960-02-01T07:00:00.5Z");
    expect(rfc3339Nano(new Date(Date.UTC(2026, 10, 26, 8, 0, 0, 120)))).toBe("2026-11-26T08:00:00.12Z");
  });
  test("FormatInterval truncates to the largest unit", () => {
    expect([formatInterval(90_000), formatInterval(7_200_000), formatInterval(500), formatInterval(0.2), formatInterval(3 * 86_400_000)]).toEqual([
      "1m",
      "2h",
      "500ms",
      "1ms",
      "3d",
    ]);
  });
  test("ParseDuration and %v", () => {
    expect(parseGoDuration("1h30m")).toBe(5_400_000);
    expect(parseGoDuration("1.5s")).toBe(1500);
    expect(() => parseGoDuration("5")).toThrow();
    expect([goFloat(300), goFloat(0.02), goFloat(1e6), goFloat(0.00001)]).toEqual(["300", "0.02", "1e+06", "1e-05"]);
  });
});

describe("template variables (browser side)", () => {
  test("single values escape quotes only; multi and All values are quoted and joined", () => {
    const vars = {
      gantry: { value: "01F0017N" },
      evil: { value: "a'b" },
      freeway: { value: ["01F", "03F"], multi: true, includeAll: true },
      one: { value: "x", multi: true },
    };
    expect(replaceTemplateVariables("g = '$gantry' and e = '${evil}' and f in ($freeway) and o = [[one]] and $__timeFilter(ts)", vars)).toBe(
      "g = '01F0017N' and e = 'a''b' and f in ('01F','03F') and o = 'x' and $__timeFilter(ts)",
    );
    expect(replaceTemplateVariables("$unknown stays", vars)).toBe("$unknown stays");
  });
});
