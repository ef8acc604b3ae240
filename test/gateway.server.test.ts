import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { silentLogger } from "../core/log/logger.ts";
import { createApp } from "../gateway/app.ts";
import { startServer, type RunningServer } from "../gateway/server.ts";
import { createTestGateway, expectJson, testConfig, type TestGateway } from "./support/gateway.ts";

/** The gateway over real HTTP: Bun.serve on a free loopback port, and `bun run gateway` as a process. */
let gw: TestGateway;
let server: RunningServer;
beforeAll(async () => {
  gw = await createTestGateway();
  server = gw.listen();
});
afterAll(() => gw.close());

const auth = (key: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${key}`, ...extra });

describe("gateway over HTTP", () => {
  test("operations, auth and problems on the wire", async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get("x-request-id")).toBeTruthy();
    const denied = await fetch(`${server.url}/v1/accounts`);
    expect(denied.status).toBe(401);
    expect(denied.headers.get("content-type")).toContain("application/problem+json");
    expect((await fetch(`${server.url}/v1/gantries/01F0017S`, { headers: auth(gw.keys.traffic_operator) })).status).toBe(200);
  });

  test("an account opened and topped up over HTTP; the retried top-up is replayed, not credited", async () => {
    const opened = await expectJson(
      await fetch(`${server.url}/v1/accounts`, {
        method: "POST",
        headers: auth(gw.keys.toll_operator, { "content-type": "application/json" }),
        body: JSON.stringify({ name: "Wire" }),
      }),
      201,
    );
    const topUp = () =>
      fetch(`${server.url}/v1/accounts/${opened.id}/top-ups`, {
        method: "POST",
        headers: auth(gw.keys.toll_operator, { "content-type": "application/json", "idempotency-key": "wire-1" }),
        body: JSON.stringify({ amountTenths: 2500 }),
      });
    const first = await expectJson(await topUp(), 201);
    const again = await topUp();
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await expectJson(again, 201)).toEqual(first);
    const account = await expectJson(await fetch(`${server.url}/v1/accounts/${opened.id}`, { headers: auth(gw.keys.auditor) }), 200);
    expect(account.balanceTenths).toBe(2500);
  });

  test("60 concurrent requests are all answered", async () => {
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        fetch(`${server.url}/v1/gantries?freeway=01F&direction=${i % 2 ? "N" : "S"}`, { headers: auth(gw.keys.auditor) }).then(async (r) => [
          r.status,
          ((await r.json()) as { items: unknown[] }).items.length,
        ]),
      ),
    );
    expect(results.every(([s, n]) => s === 200 && (n as number) > 10)).toBe(true);
  });

  test("anonymous callers are rate limited per client address; Retry-After is sent", async () => {
    const app = createApp({ db: gw.testDb.db, config: testConfig({ rateLimit: { perSecond: 0.01, burst: 2 } }), logger: silentLogger });
    const limited = startServer(app, { host: "127.0.0.1", port: 0 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(`${limited.url}/openapi.json`)).status);
      expect(statuses).toEqual([200, 200, 429]);
      const res = await fetch(`${limited.url}/v1/accounts`);
      expect(res.status).toBe(429);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      // A key has its own bucket.
      expect((await fetch(`${limited.url}/v1/accounts`, { headers: auth(gw.keys.auditor) })).status).toBe(200);
    } finally {
      await limited.stop(true);
    }
  });
});

describe("bun run gateway", () => {
  test("serves on GATEWAY_HOST:GATEWAY_PORT and stops cleanly on SIGTERM", async () => {
    const proc = Bun.spawn(["bun", "run", "gateway/main.ts"], {
      cwd: new URL("..", import.meta.url).pathname,
      env: { ...process.env, DATABASE_URL: gw.testDb.url, GATEWAY_HOST: "127.0.0.1", GATEWAY_PORT: "0", LOG_LEVEL: "info", DATABASE_POOL_MAX: "2" },
      stderr: "pipe",
      stdout: "pipe",
    });
    const lines: Record<string, unknown>[] = [];
    const reader = (async () => {
      const decoder = new TextDecoder();
      let buf = "";
      for await (const chunk of proc.stderr) {
        buf += decoder.decode(chunk);
        let i: number;
        while ((i = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          try {
            lines.push(JSON.parse(line));
          } catch {
            lines.push({ raw: line });
          }
        }
      }
    })();
    const deadline = Date.now() + 15_000;
    let url: string | undefined;
    while (!url && Date.now() < deadline) {
      url = lines.find((l) => l.msg === "gateway listening")?.url as string | undefined;
      if (!url) await Bun.sleep(50);
    }
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await expectJson(await fetch(`${url}/readyz`), 200)).toMatchObject({ status: "ready" });
    expect((await fetch(`${url}/v1/accounts`, { headers: auth(gw.keys.auditor) })).status).toBe(200);
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    await reader;
    expect(lines.some((l) => l.msg === "request" && l.route === "/v1/accounts" && l.status === 200 && typeof l.requestId === "string")).toBe(true);
    expect(lines.at(-1)).toMatchObject({ msg: "gateway stopped" });
  });
});
