import { describe, expect, test } from "bun:test";
import { connectEndpointFor, incidentsAt, parseDuration, parseIncident, parseSimArgs } from "./cli-options.ts";

describe("sim flags", () => {
  test("gentle defaults: real time, until stopped", () => {
    const o = parseSimArgs([]);
    expect(o.acceleration).toBe(1);
    expect(o.durationMs).toBeUndefined();
    expect(o.vehiclesPerHour).toBe(20_000);
    expect(o.fsync).toBe(true);
    expect(o.warmupMs).toBe(1_800_000);
    expect(o.incidents).toEqual([]);
  });

  test("parses every option", () => {
    const o = parseSimArgs([
      "--acceleration",
      "max",
      "--duration",
      "2h",
      "--seed",
      "x",
      "--vehicles-per-hour",
      "5000",
      "--malformed-rate",
      "0.01",
      "--freeways",
      "01F,03F",
      "--incident",
      "01F0264S>01F0293S@10m/30m:25",
      "--incident",
      "01F0293S>01F0339S@+1h/15m",
      "--no-fsync",
      "--no-provision",
      "--start",
      "2024-03-25T07:00:00+08:00",
      "--batch-size",
      "200",
    ]);
    expect(o.acceleration).toBe(Infinity);
    expect(o.durationMs).toBe(7_200_000);
    expect(o.freeways).toEqual(["01F", "03F"]);
    expect(o.incidents).toEqual([
      { segment: "01F0264S>01F0293S", offsetMs: 600_000, durationMs: 1_800_000, speedKmh: 25 },
      { segment: "01F0293S>01F0339S", offsetMs: 3_600_000, durationMs: 900_000 },
    ]);
    expect(o.startMs).toBe(Date.parse("2024-03-24T23:00:00Z"));
    expect(o.fsync).toBe(false);
    expect(o.provision).toBe(false);
    expect(o.maxBatchReads).toBe(200);
    expect(incidentsAt(1000, o.incidents)[0]).toEqual({ segment: "01F0264S>01F0293S", startMs: 601_000, endMs: 2_401_000, speedKmh: 25 });
  });

  test("rejects bad values with a readable message", () => {
    expect(() => parseSimArgs(["--acceleration", "-3"])).toThrow(/--acceleration/);
    expect(() => parseSimArgs(["--bogus"])).toThrow(/bogus/);
    expect(() => parseSimArgs(["--batch-size", "20000"])).toThrow(/batch-size/);
    expect(() => parseSimArgs(["--start", "yesterday"])).toThrow(/--start/);
    expect(() => parseIncident("01F0264S@10m")).toThrow(/not an incident/);
    expect(() => parseDuration("10 minutes")).toThrow(/not a duration/);
  });

  test("takes several ingest endpoints, comma-separated", () => {
    expect(parseSimArgs([]).endpoints).toBeUndefined();
    expect(parseSimArgs(["--endpoint", "tcp://127.0.0.1:5555"]).endpoints).toEqual(["tcp://127.0.0.1:5555"]);
    expect(parseSimArgs(["--endpoint", "tcp://10.0.0.1:5555, tcp://10.0.0.2:5555"]).endpoints).toEqual(["tcp://10.0.0.1:5555", "tcp://10.0.0.2:5555"]);
    expect(() => parseSimArgs(["--endpoint", "tcp://10.0.0.1:5555,10.0.0.2:5555"])).toThrow(/--endpoint/);
    expect(() => parseSimArgs(["--endpoint", ","])).toThrow(/--endpoint/);
  });

  test("connects to this machine when the ingest binds a wildcard", () => {
    expect(connectEndpointFor("tcp://*:5555")).toBe("tcp://127.0.0.1:5555");
    expect(connectEndpointFor("tcp://0.0.0.0:5555")).toBe("tcp://127.0.0.1:5555");
    expect(connectEndpointFor("tcp://10.0.0.5:5555")).toBe("tcp://10.0.0.5:5555");
  });

  test("bottlenecks and the drivers' response to published prices", () => {
    const o = parseSimArgs(["--capacity", "01F0557N>01F0532N=5100", "--capacity", "01F0264S>01F0293S=6000", "--demand-response", "--elasticity=-0.3"]);
    expect(o.capacities).toEqual([
      { segment: "01F0557N>01F0532N", vehiclesPerHour: 5100 },
      { segment: "01F0264S>01F0293S", vehiclesPerHour: 6000 },
    ]);
    expect(o.demandResponse).toEqual({ elasticity: -0.3 });
    expect(parseSimArgs(["--demand-response"]).demandResponse).toEqual({ elasticity: -0.4 });
    expect(parseSimArgs([]).demandResponse).toBeUndefined();
    expect(() => parseSimArgs(["--capacity", "01F0557N>01F0532N:5100"])).toThrow(/not a capacity/);
    expect(() => parseSimArgs(["--demand-response", "--elasticity", "0.5"])).toThrow(/--elasticity/);
  });
});
