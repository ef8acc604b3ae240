import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { z } from "@hono/zod-openapi";
import { Database } from "../../../core/db/database.ts";
import { TollwayError } from "../../../core/errors/tollway-error.ts";
import { createLogger, silentLogger } from "../../../core/log/logger.ts";
import { createApp } from "../../app.ts";
import { defineRoute } from "../../http/define-route.ts";
import { createTestGateway, expectJson, expectProblem, testConfig, type TestGateway } from "../../../test/support/gateway.ts";
import readyz from "./readyz.ts";

let gw: TestGateway;
const logLines: string[] = [];
const boom = defineRoute(
  {
    method: "get",
    path: "/v1/test/boom",
    roles: ["admin"],
    responses: { 200: { description: "never", content: { "application/json": { schema: z.object({}) } } } },
  },
  () => {
    throw new Error("secret internal detail: password=hunter2");
  },
);
const dbDown = defineRoute(
  {
    method: "get",
    path: "/v1/test/db-down",
    roles: ["admin"],
    responses: { 200: { description: "never", content: { "application/json": { schema: z.object({}) } } } },
  },
  () => {
    throw new TollwayError("database", "connect ECONNREFUSED 10.0.0.1:5432 [select * from secrets]");
  },
);

beforeAll(async () => {
  gw = await createTestGateway({ database: { seed: false }, routes: [boom, dbDown], logger: createLogger({ level: "info", write: (l) => logLines.push(l) }) });
});
afterAll(() => gw.close());

describe("operations: errors", () => {
  test("unknown routes are a 404 problem", async () => {
    const p = await expectProblem(await gw.request("/v1/nowhere"), 404);
    expect(p.detail).toBe("No route for GET /v1/nowhere");
  });

  test("unexpected errors are a 500 problem that leaks nothing, logged with the request id", async () => {
    const res = await gw.request("/v1/test/boom", { role: "admin", headers: { "x-request-id": "boom-1" } });
    const p = await expectProblem(res, 500);
    expect(JSON.stringify(p)).not.toContain("hunter2");
    expect(p).toMatchObject({ detail: "Internal error", requestId: "boom-1" });
    const logged = logLines.map((l) => JSON.parse(l)).find((l) => l.msg === "unhandled error");
    expect(logged).toMatchObject({ requestId: "boom-1", level: "error" });
    const access = logLines.map((l) => JSON.parse(l)).find((l) => l.msg === "request" && l.requestId === "boom-1");
    expect(access).toMatchObject({ method: "GET", route: "/v1/test/boom", status: 500, role: "admin" });
  });

  test("a database outage is a 503 problem without SQL in it", async () => {
    const p = await expectProblem(await gw.request("/v1/test/db-down", { role: "admin" }), 503);
    expect(p.detail).not.toContain("secrets");
  });

  test("oversized bodies are refused with a 413 problem before they are read", async () => {
    const huge = JSON.stringify({ name: "x".repeat(3 * 1024 * 1024) });
    const p = await expectProblem(
      await gw.request("/v1/accounts", { method: "POST", role: "admin", body: huge, headers: { "content-type": "application/json" } }),
      413,
    );
    expect(p.fields).toEqual([{ field: "body", message: "too large" }]);
    expect((await gw.testDb.db.one<{ n: number }>("select count(*)::int as n from accounts")).n).toBe(0);
  });

  test("/readyz answers 503 when the database is unreachable", async () => {
    const db = new Database({ url: "postgres://postgres@127.0.0.1:1/nothing", max: 1, connectTimeoutMs: 500 });
    const app = createApp({ db, config: testConfig(), logger: silentLogger }, { routes: [readyz] });
    const body = await expectJson(await app.request("/readyz"), 503);
    expect(body).toMatchObject({ status: "unavailable", database: "unreachable" });
    await db.close();
  });
});
