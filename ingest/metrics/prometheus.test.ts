import { expect, test } from "bun:test";
import { Registry, quantile } from "./prometheus.ts";

test("renders counters with labels, gauges and cumulative histograms in the text format", () => {
  const r = new Registry();
  const c = r.counter("x_total", "things");
  c.inc(2, { reason: 'bad "json"' });
  c.inc(1, { reason: 'bad "json"' });
  r.gauge("inflight", "now", () => 7);
  const h = r.histogram("lat_seconds", "latency", [0.1, 1]);
  h.observe(0.05);
  h.observe(0.5);
  h.observe(5);
  const out = r.render();
  expect(out).toContain('x_total{reason="bad \\"json\\""} 3');
  expect(out).toContain("inflight 7");
  expect(out).toContain('lat_seconds_bucket{le="0.1"} 1');
  expect(out).toContain('lat_seconds_bucket{le="1"} 2');
  expect(out).toContain('lat_seconds_bucket{le="+Inf"} 3');
  expect(out).toContain("lat_seconds_count 3");
});

test("quantile by nearest rank", () => {
  expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
  expect(quantile([1, 2, 3, 4], 0.99)).toBe(4);
  expect(quantile([], 0.5)).toBeUndefined();
});
