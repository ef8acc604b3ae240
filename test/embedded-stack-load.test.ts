import { afterAll, beforeAll, expect, test } from "bun:test";
import { Database } from "../core/db/database.ts";
import { freeLocalPort } from "../core/embedded/embedded-postgres.ts";
import { ApiKeyService } from "../gateway/auth/api-keys.ts";
import type { Role } from "../gateway/http/roles.ts";
import { readJson, requestInit, type GatewayRequestInit } from "./support/gateway.ts";
import { Stack } from "./support/stack.ts";

/**
 * The embedded stack under concurrent load: `bun run start` (embedded PostgreSQL, ingest, gateway,
 * control, simulator), several API keys each reading its own account and ledger concurrently
 * while the simulator streams reads. Every response must be 200 and carry exactly the account
 * asked for. On PGlite behind pglite-socket, sessions interleaved: other accounts' rows, 500s
 * ("unnamed prepared statement does not exist") and 401s for valid keys.
 * EMBEDDED_LOAD_SECONDS sets the duration (default 30).
 */
const SECONDS = Number(process.env.EMBEDDED_LOAD_SECONDS ?? 30);
const ACCOUNTS = 4;
const LOOPS_PER_KEY = 4;

let stack: Stack;
let db: Database;
let gateway: string;

beforeAll(async () => {
  const gatewayPort = freeLocalPort();
  stack = await Stack.start({
    env: {
      GATEWAY_PORT: String(gatewayPort),
      INGEST_BIND: `tcp://127.0.0.1:${freeLocalPort()}`,
      INGEST_METRICS_PORT: String(freeLocalPort()),
      // Every request checks its key in the database (no cache), and no rate limit gets in the way.
      GATEWAY_KEY_CACHE_MS: "0",
      GATEWAY_RATE_LIMIT_PER_SECOND: "100000",
      GATEWAY_RATE_LIMIT_BURST: "100000",
    },
  });
  gateway = `http://127.0.0.1:${gatewayPort}`;
  await stack.waitForLog("gateway ready", (l) => l.msg === "component ready" && l.component === "gateway", 90_000);
  await stack.waitForLog("ingest ready", (l) => l.msg === "component ready" && l.component === "ingest", 90_000);
  db = new Database({ url: stack.databaseUrl, max: 2 });
}, 180_000);

afterAll(async () => {
  await db?.close();
  if (stack) expect(await stack.stop()).toBe(0);
  await stack?.dispose();
}, 60_000);

async function mint(role: Role, name: string): Promise<string> {
  return (await new ApiKeyService(db).create({ name, role })).key;
}

async function call(path: string, key: string, init: GatewayRequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(gateway + path, requestInit({ ...init, key }));
  return { status: res.status, body: await readJson(res) };
}

test(
  `${ACCOUNTS} keys read ${ACCOUNTS} accounts for ${SECONDS} s while the simulator runs: only 200s, each with the account asked for`,
  async () => {
    const admin = await mint("admin", "load admin");
    const accounts: { id: number; name: string; topUp: number; key: string }[] = [];
    for (let k = 0; k < ACCOUNTS; k++) {
      const name = `Load account ${k}`;
      const made = await call("/v1/accounts", admin, { method: "POST", json: { name } });
      expect(made.status).toBe(201);
      const topUp = (k + 1) * 1000;
      const credited = await call(`/v1/accounts/${made.body.id}/top-ups`, admin, {
        method: "POST",
        json: { amountTenths: topUp },
        headers: { "idempotency-key": `load-${k}` },
      });
      expect(credited.status).toBe(201);
      accounts.push({ id: made.body.id as number, name, topUp, key: await mint(k % 2 ? "auditor" : "toll_operator", `load reader ${k}`) });
    }
    const passagesBefore = (await db.one<{ n: number }>("select count(*)::int as n from passages")).n;

    const statuses = new Map<number, number>();
    const wrong: string[] = [];
    let requests = 0;
    const deadline = Date.now() + SECONDS * 1000;
    const started = performance.now();
    await Promise.all(
      accounts.flatMap((a) =>
        Array.from({ length: LOOPS_PER_KEY }, async (_, loop) => {
          for (let i = 0; Date.now() < deadline; i++) {
            const ledger = (i + loop) % 2 === 1;
            let r: { status: number; body: Record<string, unknown> };
            try {
              r = await call(ledger ? `/v1/accounts/${a.id}/ledger` : `/v1/accounts/${a.id}`, a.key);
            } catch (e) {
              statuses.set(0, (statuses.get(0) ?? 0) + 1);
              if (wrong.length < 20) wrong.push(`account ${a.id}: ${String(e)}`);
              continue;
            }
            requests++;
            statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
            if (r.status !== 200) {
              if (wrong.length < 20) wrong.push(`account ${a.id}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
              continue;
            }
            if (ledger) {
              const items = r.body.items as { accountId: number; amountTenths: number; kind: string }[];
              if (items.length !== 1 || items[0]!.accountId !== a.id || items[0]!.amountTenths !== a.topUp)
                wrong.push(`ledger of ${a.id}: ${JSON.stringify(items).slice(0, 200)}`);
            } else if (r.body.id !== a.id || r.body.name !== a.name || r.body.balanceTenths !== a.topUp) {
              wrong.push(`account ${a.id} (${a.name}): got ${r.body.id} (${r.body.name}, ${r.body.balanceTenths})`);
            }
          }
        }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const passagesAfter = (await db.one<{ n: number }>("select count(*)::int as n from passages")).n;
    const summary = `embedded stack load: ${requests} requests in ${seconds.toFixed(1)} s (${Math.round(requests / seconds)}/s) with ${ACCOUNTS} keys x ${LOOPS_PER_KEY}; statuses ${JSON.stringify(Object.fromEntries(statuses))}; wrong ${wrong.length}; passages stored meanwhile ${passagesAfter - passagesBefore}`;
    process.stderr.write(summary + "\n");

    expect(wrong).toEqual([]);
    expect([...statuses.keys()]).toEqual([200]);
    expect(requests).toBeGreaterThan(SECONDS * 20);
    // The simulator's reads kept arriving through the ingest while the gateway was busy.
    expect(passagesAfter).toBeGreaterThan(passagesBefore);
    expect(stack.logsOf("component exited")).toEqual([]);
  },
  (SECONDS + 120) * 1000,
);
