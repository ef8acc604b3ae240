import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, expectProblem, type Problem, type TestGateway } from "./support/gateway.ts";
import { fillPath, malformed, operations, plausible, resolve, SQL, wrongType, type Operation, type SchemaObject } from "./support/openapi-operations.ts";
import { ROLES, type Role } from "../gateway/http/roles.ts";

/**
 * Security checks for EVERY route in the OpenAPI document (so routes added later are covered):
 * no key -> 401, wrong role -> 403, malformed input -> 400 problem+json naming the field,
 * SQL-looking input is inert, and a caller over its rate limit -> 429 with Retry-After.
 */
let gw: TestGateway;
let limited: TestGateway;
let ops: Operation[];
let doc: Parameters<typeof operations>[0];

beforeAll(async () => {
  gw = await createTestGateway();
  doc = (await (await gw.request("/openapi.json")).json()) as typeof doc;
  ops = operations(doc);
  // Burst of 3, refilling once in ~17 minutes: the fourth request of a key is refused.
  limited = await createTestGateway({ gateway: { rateLimit: { perSecond: 0.001, burst: 3 } }, database: { seed: false } });
});
afterAll(async () => {
  await gw?.close();
  await limited?.close();
});

/** The shared problem checks, and a typed problem that says what it is. */
async function expectTypedProblem(res: Response, status: number): Promise<Problem> {
  const body: Problem = await expectProblem(res, status);
  expect(body.type).toMatch(/^urn:tollway:problem:/);
  expect(body.detail.length).toBeGreaterThan(0);
  return body;
}

function bodyFor(op: Operation, json: unknown): { json?: unknown } {
  return op.body ? { json } : {};
}

describe("the OpenAPI document", () => {
  test("lists the gateway's operations, each protected one with its roles", () => {
    expect(ops.length).toBeGreaterThanOrEqual(26);
    for (const op of ops) {
      if (op.roles.length === 0) expect(["/healthz", "/readyz", "/metrics"]).toContain(op.path);
      for (const r of op.roles) expect(ROLES).toContain(r as Role);
    }
  });

  test("public operations answer without a key", async () => {
    for (const op of ops.filter((o) => o.roles.length === 0)) expect((await gw.request(op.path)).status).toBe(200);
  });
});

describe("every protected route", () => {
  const protectedOps = () => ops.filter((o) => o.roles.length > 0);

  test("without a key -> 401 problem (with WWW-Authenticate), before any validation", async () => {
    for (const op of protectedOps()) {
      const res = await gw.request(fillPath(op), { method: op.method, ...bodyFor(op, {}) });
      const p = await expectTypedProblem(res, 401);
      expect(res.headers.get("www-authenticate")).toContain("Bearer");
      expect(p.title).toBe("Unauthorized");
    }
  });

  test("with an unknown or revoked key -> 401", async () => {
    const revoked = await gw.mintKey("admin", "to revoke");
    await gw.testDb.db.query("update api_keys set revoked_at = now() where id = $1", [revoked.id]);
    for (const op of protectedOps()) {
      await expectTypedProblem(await gw.request(fillPath(op), { method: op.method, key: revoked.key, ...bodyFor(op, {}) }), 401);
      await expectTypedProblem(await gw.request(fillPath(op), { method: op.method, key: `tw_${"A".repeat(43)}`, ...bodyFor(op, {}) }), 401);
    }
  });

  test("with a role it does not allow -> 403 problem", async () => {
    let checked = 0;
    for (const op of protectedOps()) {
      for (const role of ROLES.filter((r) => !op.roles.includes(r))) {
        const p = await expectTypedProblem(await gw.request(fillPath(op), { method: op.method, role, ...bodyFor(op, {}) }), 403);
        expect(p.detail).toContain(role);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  test("malformed input -> 400 problem+json naming each broken field", async () => {
    let checked = 0;
    for (const op of protectedOps()) {
      const role = op.roles[0] as Role;
      const pathParams = op.parameters.filter((p) => p.in === "path" && malformed(p.schema) !== undefined);
      const queryParams = op.parameters.filter((p) => p.in === "query" && malformed(p.schema) !== undefined);
      const bodyProps = Object.entries(op.body?.properties ?? {});
      // Only one input is broken at a time; required query parameters otherwise get plausible values,
      // since the validators stop at the first invalid input.
      const requiredQuery = new URLSearchParams(
        op.parameters.filter((p) => p.in === "query" && p.required).map((p): [string, string] => [p.name, plausible(p)]),
      );
      const withQuery = (path: string) => (requiredQuery.size > 0 ? `${path}?${requiredQuery}` : path);
      let res: Response;
      let expected: string[];
      if (pathParams.length > 0) {
        const bad = Object.fromEntries(pathParams.map((p) => [p.name, malformed(p.schema)!]));
        res = await gw.request(withQuery(fillPath(op, bad)), { method: op.method, role, ...bodyFor(op, {}) });
        expected = pathParams.map((p) => `path.${p.name}`);
      } else if (queryParams.length > 0) {
        const qs = new URLSearchParams(queryParams.map((p): [string, string] => [p.name, malformed(p.schema)!]));
        res = await gw.request(`${fillPath(op)}?${qs}`, { method: op.method, role, ...bodyFor(op, {}) });
        expected = queryParams.map((p) => `query.${p.name}`);
      } else if (op.body && bodyProps.length > 0) {
        const json = Object.fromEntries(bodyProps.map(([k, s]) => [k, wrongType(resolve(doc, s))]));
        res = await gw.request(withQuery(fillPath(op)), { method: op.method, role, json });
        expected = bodyProps.map(([k]) => `body.${k}`);
      } else if (op.body) {
        res = await gw.request(withQuery(fillPath(op)), { method: op.method, role, body: "{not json", headers: { "content-type": "application/json" } });
        expected = ["body"];
      } else {
        // Nothing to break: the operation takes no input at all.
        expect({ route: op.label, parameters: op.parameters.length }).toEqual({
          route: op.label,
          parameters: op.parameters.filter((p) => malformed(p.schema) === undefined).length,
        });
        continue;
      }
      const p = await expectTypedProblem(res, 400);
      const named = (p.fields ?? []).map((f) => f.field);
      for (const field of expected)
        expect({ route: op.label, named: named.some((n) => n === field || n.startsWith(`${field}.`)) }).toEqual({ route: op.label, named: true });
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });

  test("text PostgreSQL cannot store (NUL, unpaired surrogates) -> 400 naming the field, on every route, nothing stored", async () => {
    const auditBefore = await gw.testDb.db.one<{ n: number }>("select count(*)::int as n from audit_log");
    let checked = 0;
    for (const op of protectedOps()) {
      const role = op.roles[0] as Role;
      const strings = (s: SchemaObject | undefined) => {
        const t = resolve(doc, s);
        return (
          t?.type === "string" || (Array.isArray(t?.type) && t.type.includes("string")) || (t?.anyOf ?? []).some((x) => resolve(doc, x)?.type === "string")
        );
      };
      const pathText = op.parameters.filter((p) => p.in === "path" && strings(p.schema));
      const queryText = op.parameters.filter((p) => p.in === "query" && strings(p.schema));
      const bodyText = Object.entries(op.body?.properties ?? {}).filter(([, s]) => strings(s));
      const required = new URLSearchParams(op.parameters.filter((p) => p.in === "query" && p.required).map((p): [string, string] => [p.name, plausible(p)]));
      const cases: { url: string; json?: unknown; body?: string; field: string }[] = [];
      for (const p of pathText) cases.push({ url: fillPath(op, { [p.name]: "AB\u0000C" }), field: `path.${p.name}` });
      for (const p of queryText) {
        const qs = new URLSearchParams(required);
        qs.set(p.name, "AB\u0000C");
        cases.push({ url: `${fillPath(op)}?${qs}`, field: `query.${p.name}` });
      }
      const withQuery = required.size > 0 ? `${fillPath(op)}?${required}` : fillPath(op);
      for (const [k] of bodyText) {
        cases.push({ url: withQuery, json: { [k]: "AB\u0000C" }, field: `body.${k}` });
        // An unpaired surrogate cannot be written as JSON.stringify output: send the escape itself.
        cases.push({ url: withQuery, body: `{"${k}":"AB\\ud800C"}`, field: `body.${k}` });
      }
      for (const c of cases) {
        const init =
          c.body !== undefined ? { body: c.body, headers: { "content-type": "application/json" } } : c.json !== undefined ? { json: c.json } : bodyFor(op, {});
        const res = await gw.request(c.url, { method: op.method, role, ...init });
        const p = await expectTypedProblem(res, 400);
        expect({ route: op.label, field: c.field, named: (p.fields ?? []).map((f) => f.field) }).toEqual({ route: op.label, field: c.field, named: [c.field] });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(60);
    expect(await gw.testDb.db.one("select count(*)::int as n from audit_log")).toEqual(auditBefore);
  });

  test("the issue's cases: a NUL in a search, a name, a description or a note is a 400, not a 500", async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ["/v1/accounts?q=%00", { role: "auditor" }, "query.q"],
      ["/v1/accounts", { method: "POST", role: "toll_operator", json: { name: "Lin\u0000" } }, "body.name"],
      ["/v1/accounts/1/top-ups", { method: "POST", role: "toll_operator", json: { amountTenths: 10, description: "\u0000" } }, "body.description"],
      [
        "/v1/adjustments",
        { method: "POST", role: "toll_operator", json: { accountId: 1, reasonCode: "misread", amountTenths: 10, note: "x\u0000" } },
        "body.note",
      ],
      [
        "/v1/corridors",
        { method: "POST", role: "traffic_operator", json: { name: "Zhongshan", intersections: [{ name: "a\u0000", distanceM: 0, phases: [] }] } },
        "body.intersections.0.name",
      ],
    ];
    for (const [url, init, field] of cases) {
      const p = await expectTypedProblem(await gw.request(url, init), 400);
      expect({ url, fields: (p.fields ?? []).map((f) => f.field) }).toEqual({ url, fields: [field] });
      expect(p.detail).toContain(field);
    }
  });

  test("a body that is not JSON -> 400 naming the body", async () => {
    for (const op of protectedOps().filter((o) => o.body)) {
      const required = new URLSearchParams(op.parameters.filter((p) => p.in === "query" && p.required).map((p): [string, string] => [p.name, plausible(p)]));
      const res = await gw.request(required.size > 0 ? `${fillPath(op)}?${required}` : fillPath(op), {
        method: op.method,
        role: op.roles[0] as Role,
        body: "{not json",
        headers: { "content-type": "application/json" },
      });
      const p = await expectTypedProblem(res, 400);
      expect(p.fields?.[0]?.field).toBe("body");
    }
  });

  test("SQL-looking input is inert: never a 500, tables and data intact", async () => {
    const tablesBefore = await gw.testDb.db.one<{ n: number }>("select count(*)::int as n from pg_tables where schemaname = 'public'");
    const gantriesBefore = await gw.testDb.db.one<{ n: number }>("select count(*)::int as n from gantries");
    for (const op of protectedOps()) {
      const role = op.roles[0] as Role;
      const pathValues = Object.fromEntries(op.parameters.filter((p) => p.in === "path").map((p) => [p.name, SQL]));
      const qs = new URLSearchParams(op.parameters.filter((p) => p.in === "query").map((p): [string, string] => [p.name, SQL]));
      const json = Object.fromEntries(Object.keys(op.body?.properties ?? {}).map((k) => [k, SQL]));
      // And SQL only where the schema accepts free text, everything else plausible, so it reaches the handler.
      const freePath = Object.fromEntries(op.parameters.filter((p) => p.in === "path" && malformed(p.schema) === undefined).map((p) => [p.name, SQL]));
      const freeQuery = new URLSearchParams(
        op.parameters
          .filter((p) => p.in === "query" && (p.required || malformed(p.schema) === undefined))
          .map((p): [string, string] => [p.name, malformed(p.schema) === undefined ? SQL : plausible(p)]),
      );
      for (const url of [fillPath(op, pathValues), `${fillPath(op)}?${qs}`, `${fillPath(op, freePath)}?${freeQuery}`]) {
        const res = await gw.request(url, { method: op.method, role, ...bodyFor(op, json) });
        expect({ route: op.label, url, status: res.status < 500 }).toEqual({ route: op.label, url, status: true });
        await res.text();
      }
    }
    // Free-text fields that ARE accepted keep the text verbatim.
    const res = await gw.request("/v1/accounts", { method: "POST", role: "toll_operator", json: { name: SQL } });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: number; name: string };
    expect(created.name).toBe(SQL);
    const found = (await (await gw.request(`/v1/accounts?q=${encodeURIComponent("' OR '1'='1")}`, { role: "auditor" })).json()) as { items: { id: number }[] };
    expect(found.items.map((a) => a.id)).toEqual([created.id]);
    expect(await gw.testDb.db.one("select count(*)::int as n from pg_tables where schemaname = 'public'")).toEqual(tablesBefore);
    expect(await gw.testDb.db.one("select count(*)::int as n from gantries")).toEqual(gantriesBefore);
  });

  test("over the rate limit -> 429 problem with Retry-After, on every route", async () => {
    const { key } = await limited.mintKey("admin", "rate limited");
    let status = 0;
    for (let i = 0; i < 4; i++) status = (await limited.request("/v1/api-keys", { key })).status;
    expect(status).toBe(429);
    for (const op of protectedOps()) {
      const res = await limited.request(fillPath(op), { method: op.method, key, ...bodyFor(op, {}) });
      await expectTypedProblem(res, 429);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
    // Another key has its own budget.
    const other = await limited.mintKey("auditor", "fresh");
    expect((await limited.request("/v1/audit-log", { key: other.key })).status).toBe(200);
    // Anonymous callers are limited per client address too.
    for (let i = 0; i < 3; i++) await limited.request("/v1/api-keys");
    await expectTypedProblem(await limited.request("/v1/api-keys"), 429);
    // Probes are never limited.
    expect((await limited.request("/healthz")).status).toBe(200);
  });
});
