import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Ajv2020 from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv";
import { ROLES, type Role } from "../gateway/http/roles.ts";
import type { RunningServer } from "../gateway/server.ts";
import { createTestGateway, type TestGateway } from "./support/gateway.ts";
import { Rng, SchemaSampler, type Pools } from "./support/openapi-fuzzer.ts";
import { operations, resolve, type Operation, type Parameter, type SchemaObject } from "./support/openapi-operations.ts";

/**
 * Property test over EVERY operation of /openapi.json, the equivalent of running schemathesis with its
 * server-error, status-code, content-type and response-schema checks (PyPI is not reachable here).
 * Against the live gateway (real HTTP, real PostgreSQL), with a seeded PRNG it sends, per operation,
 * schema-valid requests (with ids, tags, plates and gantries seen in earlier answers, so by-id
 * operations find real rows) and hostile ones (wrong types, out-of-range numbers, NUL, unpaired
 * surrogates, huge and exotic text, missing and extra fields, bodies that are not JSON or not JSON
 * at all), with an admin key, without a key, and with roles the operation does not allow. Checks:
 * - never a 5xx;
 * - the status is one the document lists for the operation;
 * - the content type is one it lists for that status, and the body validates against its schema;
 * - problem bodies carry their own status; 429 has Retry-After;
 * - every path answers a method it does not list with 405 and an `Allow` naming the listed ones.
 * FUZZ_SEED replays a run (the seed is printed with any finding); FUZZ_ROUNDS and FUZZ_BUDGET_MS
 * make it longer; FUZZ_VERBOSE=1 prints the statuses each operation answered.
 */
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const ROUNDS = Number(process.env.FUZZ_ROUNDS ?? 50);
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 45_000);

type Doc = Parameters<typeof operations>[0] & { paths: Record<string, Record<string, { responses: Record<string, ResponseDoc> }>> };
interface ResponseDoc {
  content?: Record<string, { schema?: SchemaObject }>;
  headers?: Record<string, unknown>;
}

interface Case {
  op: Operation;
  mode: string;
  role: Role | undefined;
  url: string;
  init: RequestInit;
}

interface Finding {
  check: string;
  route: string;
  mode: string;
  status: number;
  request: string;
  detail: string;
}

let gw: TestGateway;
let server: RunningServer;
let doc: Doc;
let ops: Operation[];

beforeAll(async () => {
  gw = await createTestGateway();
  server = gw.listen();
  doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as Doc;
  ops = operations(doc);
});
afterAll(async () => gw?.close());

const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");

class ResponseChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  private readonly compiled = new Map<string, ValidateFunction>();
  constructor(private readonly doc: Doc) {
    this.ajv.addSchema(doc as object, "urn:tollway:openapi");
  }

  check(op: Operation, res: Response, text: string): Omit<Finding, "route" | "mode" | "request">[] {
    const out: Omit<Finding, "route" | "mode" | "request">[] = [];
    const status = res.status;
    const fail = (check: string, detail: string) => out.push({ check, status, detail: detail.slice(0, 600) });
    if (status >= 500) fail("not_a_server_error", text);
    const documented = this.doc.paths[op.path]?.[op.method.toLowerCase()]?.responses ?? {};
    const spec = documented[String(status)] ?? documented[`${String(status)[0]}XX`] ?? documented.default;
    if (!spec) {
      fail("status_code_conformance", `${status} is not listed (listed: ${Object.keys(documented).join(", ")}): ${text}`);
      return out;
    }
    const media = Object.keys(spec.content ?? {});
    const contentType = (res.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (media.length === 0) {
      if (text.length > 0) fail("content_type_conformance", `no body documented, got ${contentType}: ${text}`);
      return out;
    }
    if (!media.includes(contentType)) {
      fail("content_type_conformance", `${contentType || "(none)"} is not one of ${media.join(", ")}`);
      return out;
    }
    if (!contentType.endsWith("json")) return out;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      fail("response_schema_conformance", `not JSON: ${text}`);
      return out;
    }
    const key = pointer("paths", op.path, op.method.toLowerCase(), "responses", String(status), "content", contentType, "schema");
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `urn:tollway:openapi#/${key}` });
      this.compiled.set(key, validate);
    }
    if (!validate(body)) fail("response_schema_conformance", `${this.ajv.errorsText(validate.errors)}: ${text}`);
    if (contentType === "application/problem+json" && (body as { status?: unknown }).status !== status) fail("problem_status", text);
    if (status === 429 && !res.headers.get("retry-after")) fail("retry_after", "429 without Retry-After");
    return out;
  }
}

/** Where a value sits in the answers: `id` of a collection (by path), or any other field by name. */
function collectionOf(path: string): string {
  return path.split("/{")[0]!;
}

function remember(pools: Pools, op: Operation, value: unknown, depth = 0): void {
  if (depth > 6 || value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    for (const v of value.slice(0, 50)) remember(pools, op, v, depth + 1);
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === "number" || typeof v === "string") {
      const name = k === "id" ? `id@${collectionOf(op.path)}` : k;
      const list = pools.get(name) ?? [];
      if (list.length < 200 && !list.includes(v)) list.push(v);
      pools.set(name, list);
    } else remember(pools, op, v, depth + 1);
  }
}

class CaseBuilder {
  constructor(
    private readonly rng: Rng,
    private readonly sampler: SchemaSampler,
    private readonly keys: Record<Role, string>,
  ) {}

  build(op: Operation): Case {
    const rng = this.rng;
    const mode = rng.pick(["valid", "valid", "valid", "hostile-param", "hostile-body", "hostile-body", "body-shape", "no-key", "other-role"]);
    const pathParams = op.parameters.filter((p) => p.in === "path");
    const query = op.parameters.filter((p) => p.in === "query");
    const hostileParams =
      mode === "hostile-param" || (mode === "hostile-body" && !op.body)
        ? [rng.pick([...pathParams, ...query].length ? [...pathParams, ...query] : [undefined])]
        : [];
    const value = (p: Parameter) => {
      if (hostileParams.includes(p)) return String(this.sampler.hostile(p.schema, false));
      const name = p.in === "path" && p.name === "id" ? `id@${collectionOf(op.path)}` : p.name;
      const v = this.sampler.valid(p.schema, name);
      return typeof v === "string" ? v : JSON.stringify(v);
    };
    const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(value(pathParams.find((p) => p.name === name)!)));
    const qs = new URLSearchParams();
    for (const p of query) {
      const drop = hostileParams.includes(p) && p.required && rng.chance(0.3);
      if (!drop && (p.required || hostileParams.includes(p) || rng.chance(0.5))) qs.append(p.name, value(p));
    }
    // Periods: mostly a `to` shortly after `from` (most operations cap the span), sometimes anything.
    const from = qs.get("from");
    if (from && qs.has("to") && !hostileParams.some((p) => p?.name === "to") && rng.chance(0.8)) {
      const isDay = /^\d{4}-\d{2}-\d{2}$/.test(from);
      const start = Date.parse(from);
      if (Number.isFinite(start)) {
        const end = new Date(start + (isDay ? rng.int(0, 40) * 86_400_000 : rng.int(5, 3 * 24 * 60) * 60_000));
        qs.set("to", isDay ? end.toISOString().slice(0, 10) : end.toISOString());
      }
    }
    const headers = new Headers();
    const role: Role | undefined =
      mode === "no-key"
        ? undefined
        : mode === "other-role"
          ? rng.pick(ROLES)
          : rng.chance(0.85)
            ? "admin"
            : (rng.pick(op.roles.length ? op.roles : ROLES) as Role);
    if (role) headers.set("authorization", `Bearer ${this.keys[role]}`);
    let body: string | undefined;
    if (op.body) {
      headers.set("content-type", "application/json");
      let json = this.sampler.valid(op.body) as Record<string, unknown>;
      if (mode === "hostile-body" && json && typeof json === "object") {
        const props = Object.entries(op.body.properties ?? {});
        const what = rng.int(0, 4);
        if (what === 0 && op.body.required?.length) delete json[rng.pick(op.body.required)];
        else if (what === 1) json[rng.pick(["unexpected", "__proto__x", "id", "status\u0000"])] = rng.pick([1, "x", null, { nested: "\u0000" }]);
        else if (what === 2 && props.length) {
          const [k, s] = rng.pick(props);
          json[k] = this.sampler.hostile(s, true);
        } else json = this.sampler.mutateDeep(json, op.body) as Record<string, unknown>;
      }
      body = JSON.stringify(json);
      if (mode === "body-shape") {
        const shape = rng.int(0, 6);
        if (shape === 0) body = "{not json";
        else if (shape === 1) body = "";
        else if (shape === 2) body = rng.pick(["[]", "null", "42", '"text"']);
        else if (shape === 3) headers.set("content-type", rng.pick(["text/plain", "application/x-www-form-urlencoded", "application/xml"]));
        else if (shape === 4) headers.delete("content-type");
        else if (shape === 5) body = `{"name":"${"x".repeat(2 * 1024 * 1024 + 10)}"}`;
        else body = '{"a":"\\ud800","b":"\\u0000"}';
      }
    }
    if (op.method === "POST" && role && rng.chance(0.1)) headers.set("idempotency-key", rng.pick(["fuzz-1", "fuzz-2", "k".repeat(300), "with space"]));
    const url = qs.size > 0 ? `${path}?${qs}` : path;
    return { op, mode, role, url, init: { method: op.method, headers, ...(body !== undefined ? { body } : {}) } };
  }
}

describe("every operation of the OpenAPI document, fuzzed", () => {
  test(
    "no 5xx, only documented statuses, content types and bodies as documented",
    async () => {
      const started = Date.now();
      const rng = new Rng(SEED);
      const pools: Pools = new Map();
      const sampler = new SchemaSampler(rng, (s) => resolve(doc, s), pools);
      const builder = new CaseBuilder(rng, sampler, gw.keys);
      const checker = new ResponseChecker(doc);
      const findings: Finding[] = [];
      const statuses = new Map<number, number>();
      const perOperation = new Map<string, Map<number, number>>();
      let requests = 0;
      // The admin key's own revocation would end the run early: it is refused (409), but other keys may go.
      for (let round = 0; round < ROUNDS && Date.now() - started < BUDGET_MS; round++) {
        for (const op of rng.shuffle(ops)) {
          const c = builder.build(op);
          let res: Response;
          try {
            res = await fetch(`${server.url}${c.url}`, { ...c.init, signal: AbortSignal.timeout(60_000) });
          } catch (e) {
            findings.push({ check: "answers", route: op.label, mode: c.mode, status: 0, request: c.url, detail: String(e) });
            continue;
          }
          const text = await res.text();
          requests++;
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const mine = perOperation.get(op.label) ?? new Map<number, number>();
          mine.set(res.status, (mine.get(res.status) ?? 0) + 1);
          perOperation.set(op.label, mine);
          for (const f of checker.check(op, res, text)) {
            const body = typeof c.init.body === "string" ? c.init.body.slice(0, 300) : "";
            findings.push({ ...f, route: op.label, mode: c.mode, request: `${op.method} ${c.url.slice(0, 300)} ${body}` });
          }
          if (res.ok && (res.headers.get("content-type") ?? "").includes("json")) remember(pools, op, JSON.parse(text));
          // The run may revoke the fixture keys (POST /v1/api-keys/{id}/revoke): a role whose key stopped working gets a new one.
          if (res.status === 401 && c.role && c.role !== "admin") gw.keys[c.role] = (await gw.mintKey(c.role, `fuzz ${c.role}`)).key;
        }
      }
      // A method a path does not list: 405 with Allow.
      const methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];
      for (const [path, item] of Object.entries(doc.paths)) {
        const listed = Object.keys(item).map((m) => m.toUpperCase());
        const url = path.replace(/\{[^}]+\}/g, "1");
        // Methods some documented path matching the URL has (GET /v1/settlements/run is GET /v1/settlements/{id}).
        const routable = new Set(
          Object.entries(doc.paths)
            .filter(([p]) => new RegExp(`^${p.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(url))
            .flatMap(([, i]) => Object.keys(i).map((m) => m.toUpperCase())),
        );
        const other = methods.filter((m) => !routable.has(m));
        if (other.length === 0) continue;
        const method = rng.pick(other);
        const res = await fetch(`${server.url}${url}`, { method, headers: { authorization: `Bearer ${gw.keys.admin}` } });
        const allow = (res.headers.get("allow") ?? "").split(/,\s*/).filter((m) => m !== "HEAD");
        const text = await res.text();
        requests++;
        // Allow names the listed methods, and only routable ones.
        const allowOk = listed.every((m) => allow.includes(m)) && allow.every((m) => routable.has(m));
        if (res.status !== 405 || (res.headers.get("content-type") ?? "") !== "application/problem+json" || !allowOk) {
          findings.push({
            check: "unsupported_method",
            route: `${method} ${path}`,
            mode: "method",
            status: res.status,
            request: url,
            detail: `Allow: ${res.headers.get("allow")} ${text}`,
          });
        }
      }
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const histogram = [...statuses]
        .sort((a, b) => a[0] - b[0])
        .map(([s, n]) => `${s}:${n}`)
        .join(" ");
      if (process.env.FUZZ_VERBOSE) {
        for (const [label, m] of [...perOperation].sort())
          console.error(
            `fuzz: ${label} ${[...m]
              .sort((a, b) => a[0] - b[0])
              .map(([st, n]) => `${st}:${n}`)
              .join(" ")}`,
          );
      }
      console.error(`fuzz: seed ${SEED}, ${ops.length} operations, ${requests} requests in ${seconds} s; statuses ${histogram}; ${findings.length} findings`);
      // One finding per check, route and status is enough to act on.
      const seen = new Set<string>();
      const distinct = findings.filter((f) => {
        const k = `${f.check} ${f.route} ${f.status}`;
        return seen.has(k) ? false : (seen.add(k), true);
      });
      expect({ seed: SEED, replay: `FUZZ_SEED=${SEED} bun test test/gateway.fuzz.test.ts`, findings: distinct }).toEqual({
        seed: SEED,
        replay: `FUZZ_SEED=${SEED} bun test test/gateway.fuzz.test.ts`,
        findings: [],
      });
      expect(requests).toBeGreaterThan(ops.length * 5);
    },
    { timeout: BUDGET_MS + 90_000 },
  );
});
