import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, expectProblem, type TestGateway } from "../../../test/support/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway({ database: { seed: false } });
});
afterAll(() => gw.close());

describe("passages: errors", () => {
  test("a search needs a vehicle or a gantry", async () => {
    const p = await expectProblem(await gw.request("/v1/passages?from=2026-01-01T00:00:00Z", { role: "auditor" }), 400);
    expect(p.fields![0]!.field).toBe("query");
  });

  test("bad filters and cursors are named", async () => {
    const fields = async (qs: string) =>
      (await expectProblem(await gw.request(`/v1/passages?${qs}`, { role: "auditor" }), 400)).fields!.map((f) => f.field).sort();
    expect(await fields("tagId=XYZ&plate=!!&gantryId=1&from=today&limit=0")).toEqual([
      "query.from",
      "query.gantryId",
      "query.limit",
      "query.plate",
      "query.tagId",
    ]);
    expect(await fields("gantryId=01F0005S&cursor=eyJ0IjoiYSJ9")).toEqual(["query.cursor"]);
    expect(await fields("gantryId=01F0005S&limit=1001")).toEqual(["query.limit"]);
  });

  test("a trip needs a valid day and exactly one of tagId and plate", async () => {
    expect((await expectProblem(await gw.request("/v1/trips?day=2026-02-30&tagId=ABCDEF01", { role: "auditor" }), 400)).fields![0]!.field).toBe("query.day");
    expect((await expectProblem(await gw.request("/v1/trips?tagId=ABCDEF01", { role: "auditor" }), 400)).fields![0]!.field).toBe("query.day");
    expect((await expectProblem(await gw.request("/v1/trips?day=2026-02-03", { role: "auditor" }), 400)).fields![0]!.field).toBe("query.tagId");
    expect((await expectProblem(await gw.request("/v1/trips?day=2026-02-03&tagId=ABCDEF01&plate=AB-12", { role: "auditor" }), 400)).fields![0]!.field).toBe(
      "query.plate",
    );
  });
});
