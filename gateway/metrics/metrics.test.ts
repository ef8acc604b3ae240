import { describe, expect, test } from "bun:test";
import { GatewayMetrics } from "./metrics.ts";

describe("GatewayMetrics", () => {
  test("counts by method, route and status; cumulative histogram buckets", () => {
    const m = new GatewayMetrics();
    m.observe("GET", "/v1/accounts/:id", 200, 0.004);
    m.observe("GET", "/v1/accounts/:id", 200, 0.2);
    m.observe("GET", "/v1/accounts/:id", 404, 3);
    const text = m.render();
    expect(text).toContain('tollway_gateway_requests_total{method="GET",route="/v1/accounts/:id",status="200"} 2');
    expect(text).toContain('tollway_gateway_requests_total{method="GET",route="/v1/accounts/:id",status="404"} 1');
    const bucket = (le: string) =>
      Number(text.match(new RegExp(`duration_seconds_bucket\\{method="GET",route="/v1/accounts/:id",le="${le.replace("+", "\\+")}"\\} (\\d+)`))![1]);
    expect([bucket("0.001"), bucket("0.005"), bucket("0.25"), bucket("5"), bucket("+Inf")]).toEqual([0, 1, 2, 3, 3]);
    expect(text).toMatch(/duration_seconds_sum\{method="GET",route="\/v1\/accounts\/:id"\} 3\.204/);
  });

  test("label values are escaped", () => {
    const m = new GatewayMetrics();
    m.observe("GET", 'a"b\\c', 200, 0.1);
    expect(m.render()).toContain('route="a\\"b\\\\c"');
  });
});
