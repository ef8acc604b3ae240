import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, type TestGateway } from "./support/gateway.ts";

/**
 * The OpenAPI document lists every status each operation can answer, walked over EVERY operation
 * (routes added later included): the statuses its shape implies (defineRoute adds them), as
 * problem+json with the Problem schema; and every path answers a method it does not list with a
 * documented 405 naming the methods it has. test/gateway.fuzz.test.ts checks the same against live
 * answers, including the statuses handlers raise (409, 422).
 */
interface ResponseDoc {
  description?: string;
  content?: Record<string, { schema?: { $ref?: string } }>;
  headers?: Record<string, unknown>;
}
interface OperationDoc {
  parameters?: { in: string; name: string }[];
  requestBody?: unknown;
  responses: Record<string, ResponseDoc>;
  "x-roles"?: string[];
}
type Doc = { info: { description: string }; paths: Record<string, Record<string, OperationDoc>>; components: { responses?: Record<string, ResponseDoc> } };

let gw: TestGateway;
let doc: Doc;
const each: { label: string; path: string; method: string; op: OperationDoc }[] = [];

beforeAll(async () => {
  gw = await createTestGateway({ database: { seed: false } });
  doc = (await (await gw.request("/openapi.json")).json()) as Doc;
  for (const [path, item] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(item)) each.push({ label: `${method.toUpperCase()} ${path}`, path, method, op });
});
afterAll(async () => gw?.close());

describe("the OpenAPI document", () => {
  test("every operation lists the statuses its shape can give", () => {
    expect(each.length).toBeGreaterThanOrEqual(60);
    for (const { label, method, op } of each) {
      const isPublic = (op["x-roles"] ?? []).length === 0;
      const params = op.parameters ?? [];
      const expected = new Set(["500", "431"]);
      if (params.length > 0 || op.requestBody || (method === "post" && !isPublic)) expected.add("400");
      if (params.some((p) => p.in === "path")) expected.add("404");
      if (op.requestBody) for (const s of ["413", "415"]) expected.add(s);
      if (!isPublic) for (const s of ["401", "403", "429", "503"]) expected.add(s);
      if (method === "post" && !isPublic) {
        expected.add("409");
        expect({ label, idempotencyKey: params.some((p) => p.in === "header" && p.name === "idempotency-key") }).toEqual({ label, idempotencyKey: true });
      }
      const listed = Object.keys(op.responses);
      expect({ label, missing: [...expected].filter((s) => !listed.includes(s)) }).toEqual({ label, missing: [] });
      expect({ label, success: listed.some((s) => s.startsWith("2")) }).toEqual({ label, success: true });
    }
  });

  test("statuses the handlers raise are listed where they are raised", () => {
    const listed = (label: string) => Object.keys(each.find((e) => e.label === label)!.op.responses);
    expect(listed("POST /v1/tags")).toEqual(expect.arrayContaining(["409", "422"]));
    expect(listed("PATCH /v1/accounts/{id}")).toEqual(expect.arrayContaining(["404", "409"]));
    expect(listed("POST /v1/tariffs")).toContain("422");
    for (const label of ["GET /v1/accounts/{id}", "GET /v1/tags/{id}", "GET /v1/gantries/{id}", "GET /v1/vehicles/{plate}", "GET /v1/accounts/{id}/tags"])
      expect(listed(label)).toContain("404");
  });

  test("every error status is application/problem+json with the Problem schema (429 with Retry-After)", () => {
    for (const { label, op } of each) {
      for (const [status, res] of Object.entries(op.responses)) {
        if (Number(status) < 400 || status === "431") continue;
        // /readyz answers its own 503 body (status of each dependency).
        if (label === "GET /readyz" && status === "503") continue;
        expect({ label, status, schema: res.content?.["application/problem+json"]?.schema?.$ref }).toEqual({
          label,
          status,
          schema: "#/components/schemas/Problem",
        });
        if (status === "429") expect({ label, headers: Object.keys(res.headers ?? {}) }).toEqual({ label, headers: ["Retry-After"] });
      }
    }
  });

  test("cross-field rules are stated in the operation's description", () => {
    const description = (label: string) => (each.find((e) => e.label === label)!.op as { description?: string }).description ?? "";
    for (const label of [
      "POST /v1/tariffs",
      "POST /v1/tariff-special-days",
      "PUT /v1/tariff-special-days/{id}",
      "GET /v1/tariff-special-days",
      "POST /v1/adjustments",
      "PUT /v1/plate-billing-policy",
      "POST /v1/corridors",
      "PATCH /v1/accounts/{id}",
      "POST /v1/tags",
      "GET /v1/traffic/counts",
      "GET /v1/traffic/tdcs/{product}",
    ]) {
      expect({ label, states: /Rules across fields/.test(description(label)) }).toEqual({ label, states: true });
    }
    for (const label of ["GET /v1/passages", "GET /v1/trips", "GET /v1/traffic/trips"]) expect(description(label)).toMatch(/at least one of|exactly one of/);
  });

  test("a method a path does not list is a 405 problem with Allow, on every path, documented", async () => {
    expect(doc.components.responses?.MethodNotAllowed?.headers).toHaveProperty("Allow");
    expect(doc.info.description).toContain("405");
    let checked = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      const url = path.replace(/\{[^}]+\}/g, "1");
      // Methods of any documented path the URL matches (GET /v1/settlements/run is GET /v1/settlements/{id}).
      const routable = new Set(
        Object.entries(doc.paths)
          .filter(([p]) => new RegExp(`^${p.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(url))
          .flatMap(([, i]) => Object.keys(i).map((m) => m.toUpperCase())),
      );
      for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].filter((m) => !routable.has(m))) {
        const res = await gw.request(url, { method });
        expect({ url, method, status: res.status, type: res.headers.get("content-type") }).toEqual({
          url,
          method,
          status: 405,
          type: "application/problem+json",
        });
        const allow = (res.headers.get("allow") ?? "").split(", ");
        for (const m of Object.keys(item)) expect({ url, allow }).toEqual({ url, allow: expect.arrayContaining([m.toUpperCase()]) });
        expect(((await res.json()) as { code: string }).code).toBe("method_not_allowed");
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
    // A path nothing answers is still a 404.
    expect((await gw.request("/v1/nothing-here", { method: "DELETE" })).status).toBe(404);
  });
});
