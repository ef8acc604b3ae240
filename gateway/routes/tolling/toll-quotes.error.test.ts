import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import tollQuotesCreate from "./toll-quotes-create.ts";
import { createTestGateway, readProblem, type TestGateway } from "../../../test/support/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway({ routes: [tollQuotesCreate] });
});
afterAll(async () => gw?.close());

const quote = (json: unknown) => gw.request("/v1/toll-quotes", { method: "POST", role: "toll_operator", json });

describe("POST /v1/toll-quotes errors", () => {
  test("an unknown gantry is a 400 naming its position", async () => {
    const res = await quote({ vehicleClass: 31, at: "2024-03-25T08:00:00+08:00", gantries: ["01F0005S", "09F9999S"] });
    expect(res.status).toBe(400);
    expect((await readProblem(res)).fields?.map((f) => f.field)).toEqual(["body.gantries.1"]);
  });

  test("a malformed class, time or gantry list is a 400 naming the field", async () => {
    const cases: [unknown, string][] = [
      [{ vehicleClass: 33, at: "2024-03-25T08:00:00+08:00", gantries: ["01F0005S"] }, "body.vehicleClass"],
      [{ vehicleClass: 31, at: "2024-03-25 08:00", gantries: ["01F0005S"] }, "body.at"],
      [{ vehicleClass: 31, at: "2024-03-25T08:00:00+08:00", gantries: [] }, "body.gantries"],
      [{ vehicleClass: 31, at: "2024-03-25T08:00:00+08:00", gantries: ["'; drop table passages; --"] }, "body.gantries.0"],
    ];
    for (const [json, field] of cases) {
      const res = await quote(json);
      expect(res.status).toBe(400);
      expect((await readProblem(res)).fields?.map((f) => f.field)).toContain(field);
    }
  });

  test("no tariff in force at the time is a 422", async () => {
    const res = await quote({ vehicleClass: 31, at: "2010-01-01T08:00:00+08:00", gantries: ["01F0005S"] });
    expect(res.status).toBe(422);
    expect((await readProblem(res)).code).toBe("unprocessable");
  });

  test("no key is a 401", async () => {
    const res = await gw.request("/v1/toll-quotes", { method: "POST", json: { vehicleClass: 31, at: "2024-03-25T08:00:00+08:00", gantries: ["01F0005S"] } });
    expect(res.status).toBe(401);
  });
});
