import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, expectJson, type TestGateway } from "../../../test/support/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway({ database: { seed: false } });
});
afterAll(() => gw.close());

describe("operations endpoints", () => {
  test("/healthz and /readyz", async () => {
    expect(await expectJson(await gw.request("/healthz"), 200)).toEqual({ status: "ok" });
    expect(await expectJson(await gw.request("/readyz"), 200)).toEqual({ status: "ready", database: "ok" });
  });

  test("/metrics counts requests by route pattern and status, with a latency histogram", async () => {
    await gw.request("/v1/accounts/1", { role: "auditor" }); // 404
    await gw.request("/v1/accounts/2", { role: "auditor" }); // 404
    await gw.request("/v1/accounts"); // 401
    const res = await gw.request("/metrics");
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain('tollway_gateway_requests_total{method="GET",route="/v1/accounts/:id",status="404"} 2');
    expect(text).toContain('tollway_gateway_requests_total{method="GET",route="/v1/accounts",status="401"} 1');
    expect(text).toMatch(/tollway_gateway_request_duration_seconds_bucket\{method="GET",route="\/v1\/accounts\/:id",le="\+Inf"\} 2/);
    expect(text).toMatch(/tollway_gateway_request_duration_seconds_count\{method="GET",route="\/v1\/accounts\/:id"\} 2/);
    expect(text).toContain("# TYPE tollway_gateway_request_duration_seconds histogram");
  });

  test("request ids: the caller's safe id is echoed, anything else is replaced by a fresh one", async () => {
    expect((await gw.request("/healthz", { headers: { "x-request-id": "abc-123" } })).headers.get("x-request-id")).toBe("abc-123");
    const replaced = (await gw.request("/healthz", { headers: { "x-request-id": "bad id\twith<script>" } })).headers.get("x-request-id");
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
    const a = (await gw.request("/healthz")).headers.get("x-request-id");
    const b = (await gw.request("/healthz")).headers.get("x-request-id");
    expect(a).not.toBe(b);
  });

  test("/openapi.json is OpenAPI 3.1 with the API key scheme and the problem schema", async () => {
    const doc = await expectJson(await gw.request("/openapi.json"), 200);
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.components.schemas.Problem.properties.fields).toBeDefined();
    expect(doc.paths["/v1/accounts/{id}/top-ups"].post["x-roles"]).toEqual(["admin", "toll_operator"]);
  });

  test("/docs and its assets come from the gateway itself", async () => {
    const page = await gw.request("/docs");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    for (const src of [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)) {
      const asset = await gw.request(src);
      expect({ src, status: asset.status }).toEqual({ src, status: 200 });
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    expect(await (await gw.request("/docs/init.js")).text()).toContain("validatorUrl: null");
    expect((await gw.request("/docs/assets/..%2Fpackage.json")).status).toBe(404);
  });
});
