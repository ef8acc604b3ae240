import { expect } from "bun:test";
import { loadConfig, type Config } from "../../core/config/config.ts";
import { silentLogger, type Logger } from "../../core/log/logger.ts";
import { createApp, type CreateAppOptions } from "../../gateway/app.ts";
import { ApiKeyService } from "../../gateway/auth/api-keys.ts";
import { ROLES, type Role } from "../../gateway/http/roles.ts";
import type { GatewayApp } from "../../gateway/http/types.ts";
import { startServer, type RunningServer } from "../../gateway/server.ts";
import { createTestDatabase, type TestDatabase, type TestDatabaseOptions } from "./test-database.ts";

/**
 * A gateway over a fresh test database, with one API key per role. Reuse it in route tests:
 *
 *   const gw = await createTestGateway();
 *   afterAll(() => gw.close());
 *   const res = await gw.request("/v1/accounts", { method: "POST", role: "toll_operator", json: {...} });
 */
export interface TestGatewayOptions extends CreateAppOptions {
  database?: TestDatabaseOptions;
  /** Overrides of the gateway config (rate limits are generous by default). */
  gateway?: Partial<Config["gateway"]>;
  clock?: () => Date;
  logger?: Logger;
}

export interface GatewayRequestInit extends Omit<RequestInit, "body"> {
  /** Sends this key (by role) as `Authorization: Bearer`. */
  role?: Role;
  /** Sends an explicit key instead. */
  key?: string;
  json?: unknown;
  body?: RequestInit["body"];
}

export interface TestGateway {
  app: GatewayApp;
  testDb: TestDatabase;
  config: Config;
  keys: Record<Role, string>;
  keyIds: Record<Role, number>;
  /** Mints another key (e.g. to have a fresh rate-limit bucket). */
  mintKey(role: Role, name?: string): Promise<{ key: string; id: number }>;
  request(path: string, init?: GatewayRequestInit): Promise<Response>;
  /** Starts a real HTTP server on a free loopback port. */
  listen(): RunningServer;
  close(): Promise<void>;
}

export function testConfig(gateway: Partial<Config["gateway"]> = {}, url?: string): Config {
  const base = loadConfig({ DATABASE_URL: url, LOG_LEVEL: "silent" });
  return {
    ...base,
    gateway: { ...base.gateway, host: "127.0.0.1", port: 0, rateLimit: { perSecond: 10_000, burst: 10_000 }, keyCacheMs: 0, ...gateway },
  };
}

/** RequestInit of a request: its key (given, or by role from `keys`) as Bearer, `json` as the body. */
export function requestInit(init: GatewayRequestInit, keys: Partial<Record<Role, string>> = {}): RequestInit {
  const headers = new Headers(init.headers);
  const key = init.key ?? (init.role ? keys[init.role] : undefined);
  if (key !== undefined) headers.set("authorization", `Bearer ${key}`);
  let body = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  const { role: _r, key: _k, json: _j, ...rest } = init;
  return { ...rest, headers, body: body ?? null };
}

export async function createTestGateway(opts: TestGatewayOptions = {}): Promise<TestGateway> {
  const testDb = await createTestDatabase(opts.database);
  const config = testConfig(opts.gateway, testDb.url);
  const app = createApp({ db: testDb.db, config, logger: opts.logger ?? silentLogger, clock: opts.clock }, opts);
  const service = new ApiKeyService(testDb.db);
  const mintKey = async (role: Role, name = `test-${role}`) => {
    const { key, record } = await service.create({ name, role });
    return { key, id: record.id };
  };
  const keys = {} as Record<Role, string>;
  const keyIds = {} as Record<Role, number>;
  for (const role of ROLES) {
    const k = await mintKey(role);
    keys[role] = k.key;
    keyIds[role] = k.id;
  }
  const servers: RunningServer[] = [];
  return {
    app,
    testDb,
    config,
    keys,
    keyIds,
    mintKey,
    request: async (path, init = {}) => app.request(path, requestInit(init, keys)),
    listen: () => {
      const s = startServer(app, { host: "127.0.0.1", port: 0 });
      servers.push(s);
      return s;
    },
    close: async () => {
      for (const s of servers) await s.stop(true);
      await app.close();
      await testDb.drop();
    },
  };
}

/*
 * The one set of HTTP helpers of the tests: read a JSON body, assert a status, read or assert a
 * problem+json answer.
 */

/** The body of a JSON response, typed loosely for assertions. */
// biome-ignore lint/suspicious/noExplicitAny: tests read loosely typed JSON
export async function readJson<T = Record<string, any>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** Asserts the status (showing the body when it differs) and returns the parsed JSON body. */
// biome-ignore lint/suspicious/noExplicitAny: tests read loosely typed JSON
export async function expectJson(res: Response, status: number): Promise<any> {
  const text = await res.text();
  expect({ status: res.status, body: text.slice(0, 2000) }).toMatchObject({ status });
  return JSON.parse(text);
}

/** An application/problem+json body as the gateway sends it. */
export interface Problem {
  status: number;
  code: string;
  type: string;
  title: string;
  detail: string;
  fields?: { field: string; message: string }[];
}

/** Asserts a problem+json response and returns it. */
export async function expectProblem(res: Response, status: number): Promise<Problem> {
  expect(res.headers.get("content-type") ?? "").toContain("application/problem+json");
  const body = await expectJson(res, status);
  expect(body.status).toBe(status);
  return body;
}

/** Asserts the response is problem+json (whatever its status) and returns the problem. */
export async function readProblem(res: Response): Promise<Problem> {
  expect(res.headers.get("content-type") ?? "").toContain("application/problem+json");
  return (await res.json()) as Problem;
}

/** A problem+json response with its fields named, for error-path assertions. */
export async function problemOf(res: Response): Promise<{ status: number; code: string; detail: string; fields: string[] }> {
  const p = await readProblem(res);
  return { status: p.status, code: p.code, detail: p.detail, fields: (p.fields ?? []).map((f) => f.field) };
}
