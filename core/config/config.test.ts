import { describe, expect, test } from "bun:test";
import { TollwayError } from "../errors/tollway-error.ts";
import { loadConfig, requireDatabaseUrl } from "./config.ts";

function configError(env: Record<string, string>): TollwayError {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof TollwayError) return e;
    throw e;
  }
  throw new Error("expected a configuration error");
}

describe("loadConfig", () => {
  test("defaults keep the names and values operators rely on", () => {
    const c = loadConfig({});
    expect(c.databaseUrl).toBeUndefined();
    expect(c.gateway.port).toBe(8080);
    expect(c.ingest.bind).toBe("tcp://127.0.0.1:5555");
    expect(c.tollTimezone).toBe("Asia/Taipei");
    expect(c.ingest.curve).toBeUndefined();
    expect(c.startComponents).toEqual(["all"]);
    expect(c.startRestartMaxDelayMs).toBe(30_000);
    expect(c.embeddedDbPort).toBe(0);
    expect(c.dataDir).toBe(".data");
  });

  test("parses given values", () => {
    const c = loadConfig({
      DATABASE_URL: "postgres://u@db:5432/toll",
      GATEWAY_PORT: "9090",
      INGEST_BIND: "tcp://*:6000",
      START_SIMULATOR: "false",
      START_COMPONENTS: "gateway, ingest",
      LOG_LEVEL: "debug",
      START_RESTART_MAX_DELAY_S: "5",
    });
    expect(c.databaseUrl).toBe("postgres://u@db:5432/toll");
    expect(c.gateway.port).toBe(9090);
    expect(c.ingest.bind).toBe("tcp://*:6000");
    expect(c.ingest.metricsHost).toBe("0.0.0.0");
    expect(loadConfig({ INGEST_BIND: "tcp://10.1.2.3:5555" }).ingest.metricsHost).toBe("10.1.2.3");
    expect(c.ingest.endpoints).toBeUndefined();
    expect(loadConfig({ INGEST_ENDPOINTS: "tcp://h1:5555, tcp://h2:5555" }).ingest.endpoints).toEqual(["tcp://h1:5555", "tcp://h2:5555"]);
    expect(() => loadConfig({ INGEST_ENDPOINTS: "tcp://h1:5555,h2:5555" })).toThrow(/INGEST_ENDPOINTS/);
    expect(c.startSimulator).toBe(false);
    expect(c.startComponents).toEqual(["gateway", "ingest"]);
    expect(c.logLevel).toBe("debug");
    expect(c.startRestartMaxDelayMs).toBe(5000);
  });

  test("empty strings count as unset", () => {
    expect(loadConfig({ DATABASE_URL: "", GATEWAY_PORT: "" }).gateway.port).toBe(8080);
  });

  test("a bad value names the variable and the value", () => {
    const e = configError({ GATEWAY_PORT: "eighty" });
    expect(e.code).toBe("config");
    expect(e.message).toContain("GATEWAY_PORT");
    expect(e.message).toContain('"eighty"');
    expect(e.fields.map((f) => f.field)).toEqual(["GATEWAY_PORT"]);
  });

  test("every bad variable is reported at once", () => {
    const e = configError({ DATABASE_URL: "mysql://x", INGEST_BIND: "localhost:5555", TOLL_TIMEZONE: "Mars/Olympus", GATEWAY_PORT: "70000" });
    expect(e.fields.map((f) => f.field).sort()).toEqual(["DATABASE_URL", "GATEWAY_PORT", "INGEST_BIND", "TOLL_TIMEZONE"]);
  });

  test("DATABASE_URL takes libpq's host list; DATABASE_READ_URL is optional; a bad target_session_attrs is named", () => {
    const url = "postgres://tollway@db1:5432,db2:5432/toll?target_session_attrs=read-write";
    const c = loadConfig({ DATABASE_URL: url, DATABASE_READ_URL: "postgres://grafana@db2:5432/toll" });
    expect(c.databaseUrl).toBe(url);
    expect(c.databaseReadUrl).toBe("postgres://grafana@db2:5432/toll");
    expect(loadConfig({}).databaseReadUrl).toBeUndefined();
    const e = configError({ DATABASE_URL: "postgres://db1,db2/toll?target_session_attrs=master" });
    expect(e.fields).toEqual([expect.objectContaining({ field: "DATABASE_URL", message: expect.stringContaining("target_session_attrs must be one of") })]);
  });

  test("CURVE keys must be 40-character Z85 and come with a secret", () => {
    expect(configError({ INGEST_CURVE_SECRET_KEY: "short" }).message).toContain("INGEST_CURVE_SECRET_KEY");
    const pub = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
    expect(configError({ INGEST_CURVE_PUBLIC_KEY: pub }).message).toContain("INGEST_CURVE_SECRET_KEY");
    const c = loadConfig({ INGEST_CURVE_SECRET_KEY: "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs", INGEST_CURVE_PUBLIC_KEY: pub });
    expect(c.ingest.curve?.publicKey).toBe(pub);
  });

  test("unknown component names are refused", () => {
    expect(configError({ START_COMPONENTS: "gateway,billing" }).message).toContain("START_COMPONENTS");
  });

  test("components other than the launcher need DATABASE_URL", () => {
    expect(() => requireDatabaseUrl(loadConfig({}))).toThrow(/DATABASE_URL is not set/);
  });
});
