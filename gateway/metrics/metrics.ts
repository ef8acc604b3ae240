/**
 * Minimal Prometheus registry for the gateway: request counts by route/method/status and a latency
 * histogram by route. Labels are route patterns (never raw paths), so cardinality stays bounded.
 */
const BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

export class GatewayMetrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();
  private readonly started = Date.now();

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `method="${esc(method)}",route="${esc(route)}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    const hkey = `method="${esc(method)}",route="${esc(route)}"`;
    let h = this.latency.get(hkey);
    if (!h) this.latency.set(hkey, (h = { counts: BUCKETS_S.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < BUCKETS_S.length; i++) if (seconds <= BUCKETS_S[i]!) h.counts[i]!++;
    h.sum += seconds;
    h.count++;
  }

  render(): string {
    const out: string[] = [];
    out.push("# HELP tollway_gateway_requests_total HTTP requests handled, by route pattern and status.");
    out.push("# TYPE tollway_gateway_requests_total counter");
    for (const [k, v] of this.requests) out.push(`tollway_gateway_requests_total{${k}} ${v}`);
    out.push("# HELP tollway_gateway_request_duration_seconds Time to produce a response, by route pattern.");
    out.push("# TYPE tollway_gateway_request_duration_seconds histogram");
    for (const [k, h] of this.latency) {
      for (const [i, b] of BUCKETS_S.entries()) out.push(`tollway_gateway_request_duration_seconds_bucket{${k},le="${b}"} ${h.counts[i]}`);
      out.push(`tollway_gateway_request_duration_seconds_bucket{${k},le="+Inf"} ${h.count}`);
      out.push(`tollway_gateway_request_duration_seconds_sum{${k}} ${h.sum}`);
      out.push(`tollway_gateway_request_duration_seconds_count{${k}} ${h.count}`);
    }
    out.push("# HELP tollway_gateway_uptime_seconds Seconds since this gateway process started.");
    out.push("# TYPE tollway_gateway_uptime_seconds gauge");
    out.push(`tollway_gateway_uptime_seconds ${(Date.now() - this.started) / 1000}`);
    return out.join("\n") + "\n";
  }
}
