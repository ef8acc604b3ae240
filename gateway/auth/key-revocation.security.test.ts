import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "../../core/db/database.ts";
import { silentLogger } from "../../core/log/logger.ts";
import { createTestGateway, type TestGateway } from "../../test/support/gateway.ts";
import { createApp } from "../app.ts";
import type { GatewayApp } from "../http/types.ts";
import { startServer, type RunningServer } from "../server.ts";

// Two gateway instances on one database, each with its own pool, HTTP server and a 60 s key cache:
// only the NOTIFY sent with a revocation can make the second instance refuse a key it has cached.
describe("key revocation across gateway instances", () => {
  let gw: TestGateway;
  let a: RunningServer;
  let bDb: Database;
  let bApp: GatewayApp;
  let b: RunningServer;

  const get = (server: RunningServer, key: string) => fetch(`${server.url}/v1/accounts?limit=1`, { headers: { authorization: `Bearer ${key}` } });
  const listeners = async () =>
    (await gw.testDb.db.one<{ n: number }>("select count(*)::int as n from pg_stat_activity where datname = $1 and query ilike 'listen %'", [gw.testDb.name]))
      .n;
  const until = async (what: () => Promise<boolean>, ms = 10_000) => {
    const deadline = Date.now() + ms;
    while (!(await what())) {
      if (Date.now() > deadline) throw new Error("condition not reached");
      await Bun.sleep(20);
    }
  };
  /** Revokes on A over HTTP; returns ms from A's answer until B refuses the key. */
  const revokeOnAUntilBRefuses = async (keyId: number, key: string) => {
    const res = await fetch(`${a.url}/v1/api-keys/${keyId}/revoke`, { method: "POST", headers: { authorization: `Bearer ${gw.keys.admin}` } });
    expect(res.status).toBe(200);
    const revokedAt = performance.now();
    for (;;) {
      const r = await get(b, key);
      if (r.status === 401) return performance.now() - revokedAt;
      expect(r.status).toBe(200);
      if (performance.now() - revokedAt > 5000) throw new Error("B still accepts the revoked key after 5 s");
      await Bun.sleep(10);
    }
  };

  beforeAll(async () => {
    gw = await createTestGateway({ gateway: { keyCacheMs: 60_000 } });
    a = gw.listen();
    bDb = new Database({ url: gw.testDb.url, max: 4, logger: silentLogger, applicationName: "tollway-gateway-b" });
    bApp = createApp({ db: bDb, config: gw.config, logger: silentLogger });
    b = startServer(bApp, { host: "127.0.0.1", port: 0 });
    await until(async () => (await listeners()) === 2);
  });
  afterAll(async () => {
    await b.stop(true);
    await bApp.close();
    await bDb.close();
    await gw.close();
  });

  test("B keeps a key it cached while the database alone changes (the cache is real)", async () => {
    const k = await gw.mintKey("auditor", "silent-revoke");
    expect((await get(b, k.key)).status).toBe(200);
    await gw.testDb.db.query("update api_keys set revoked_at = now() where id = $1", [k.id]);
    await Bun.sleep(1000);
    expect((await get(b, k.key)).status).toBe(200);
  });

  test("a key revoked on A is refused by B within 1 s", async () => {
    const k = await gw.mintKey("auditor", "revoked-on-a");
    expect((await get(b, k.key)).status).toBe(200);
    const ms = await revokeOnAUntilBRefuses(k.id, k.key);
    console.log(`[key-revocation] B refused the key ${ms.toFixed(0)} ms after A revoked it`);
    expect(ms).toBeLessThan(1000);
  });

  test("B's listener comes back after its connection is killed, and revocations reach it again", async () => {
    const k = await gw.mintKey("auditor", "after-reconnect");
    await gw.testDb.db.query(
      "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and application_name = 'tollway-gateway-b' and query ilike 'listen %'",
      [gw.testDb.name],
    );
    await until(async () => (await listeners()) === 2);
    expect((await get(b, k.key)).status).toBe(200);
    expect(await revokeOnAUntilBRefuses(k.id, k.key)).toBeLessThan(1000);
  });
});
