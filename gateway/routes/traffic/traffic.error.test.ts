import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, expectProblem, type TestGateway } from "../../../test/support/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway();
});
afterAll(() => gw.close());

const q = (o: Record<string, string>) => new URLSearchParams(o).toString();
const get = (path: string) => gw.request(path, { role: "traffic_operator" });

describe("traffic routes: bad input", () => {
  test("periods: required, ordered, bounded", async () => {
    expect((await expectProblem(await get("/v1/traffic/travel-times"), 400)).fields?.map((f) => f.field)).toContain("query.from");
    const backwards = await expectProblem(await get(`/v1/traffic/speeds?${q({ from: "2024-05-07T10:00:00Z", to: "2024-05-07T09:00:00Z" })}`), 400);
    expect(backwards.fields?.[0]?.field).toBe("query.to");
    await expectProblem(await get(`/v1/traffic/counts?${q({ from: "2024-01-01T00:00:00Z", to: "2024-03-01T00:00:00Z" })}`), 400);
    await expectProblem(await get(`/v1/traffic/tdcs/M04A?${q({ from: "2024-01-01T00:00:00Z", to: "2024-01-09T00:00:00Z" })}`), 400);
    await expectProblem(await get(`/v1/traffic/reliability?${q({ from: "2024-01-02T00:00:00Z", to: "2024-01-01T00:00:00Z" })}`), 400);
  });

  test("bad filters name their field", async () => {
    const p = { from: "2024-05-07T06:00:00Z", to: "2024-05-07T07:00:00Z" };
    expect((await expectProblem(await get(`/v1/traffic/speeds?${q({ ...p, vehicleClass: "33" })}`), 400)).fields?.[0]?.field).toBe("query.vehicleClass");
    expect((await expectProblem(await get(`/v1/traffic/speeds?${q({ ...p, fromGantry: "nope" })}`), 400)).fields?.[0]?.field).toBe("query.fromGantry");
    expect((await expectProblem(await get(`/v1/traffic/speeds?${q({ ...p, source: "other" })}`), 400)).fields?.[0]?.field).toBe("query.source");
    expect((await expectProblem(await get(`/v1/traffic/counts?${q({ ...p, limit: "100000" })}`), 400)).fields?.[0]?.field).toBe("query.limit");
    await expectProblem(await get(`/v1/traffic/tdcs/M07A?${q(p)}`), 400);
  });

  test("trips need exactly one vehicle; history needs a period; unknown hotspot is 404", async () => {
    await expectProblem(await get("/v1/traffic/trips"), 400);
    await expectProblem(await get("/v1/traffic/trips?tagId=E2801160600002085BFC8A3A&plate=ABC-1234"), 400);
    await expectProblem(await get("/v1/traffic/hotspots"), 400);
    await expectProblem(await get("/v1/traffic/hotspots/999999"), 404);
  });
});
