import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { silentLogger } from "../../core/log/logger.ts";
import { createTestGateway, requestInit, type TestGateway } from "../../test/support/gateway.ts";
import { createApp } from "../app.ts";
import type { GatewayApp } from "../http/types.ts";

// The rate limit is per instance (documented in gateway/README.md): N gateways behind a balancer
// grant a key N × the configured burst and rate. Two instances on one database show it.
describe("rate limit with two gateway instances", () => {
  let gw: TestGateway;
  let second: GatewayApp;
  beforeAll(async () => {
    gw = await createTestGateway({ gateway: { rateLimit: { perSecond: 0.001, burst: 3 } } });
    second = createApp({ db: gw.testDb.db, config: gw.config, logger: silentLogger });
  });
  afterAll(async () => {
    await second.close();
    await gw.close();
  });

  test("each instance grants the burst on its own: one key gets 2 × 3 requests, then 429 on both", async () => {
    const { key } = await gw.mintKey("auditor", "two-instances");
    const statuses = async (app: GatewayApp, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await app.request("/v1/accounts?limit=1", requestInit({ key }, gw.keys))).status);
      return out;
    };
    expect(await statuses(gw.app, 4)).toEqual([200, 200, 200, 429]);
    expect(await statuses(second, 4)).toEqual([200, 200, 200, 429]);
  });
});
