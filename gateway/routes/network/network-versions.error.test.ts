import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, problemOf, type TestGateway } from "../../../test/support/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway();
});
afterAll(() => gw.close());

const post = (json: unknown) => gw.request("/v1/network/versions", { method: "POST", role: "admin", json });

describe("POST /v1/network/versions refuses what does not fit", () => {
  test("a used code or date is a conflict; changes that do not fit the base name their fields; nothing is stored", async () => {
    expect(await problemOf(await post({ code: "2025", validFrom: "2027-01-01T00:00:00+08:00" }))).toMatchObject({ status: 409, code: "conflict" });
    expect(await problemOf(await post({ code: "x", validFrom: "2025-02-07T00:00:00+08:00" }))).toMatchObject({ status: 409 });
    const p = await problemOf(
      await post({
        code: "bad",
        validFrom: "2027-01-01T00:00:00+08:00",
        renumber: [
          { from: "01F9999N", to: "01F0156N" },
          { from: "01F0155N", to: "01F0147N" },
        ],
        remove: ["01F8888S"],
        add: [{ id: "01F0017N", direction: "N" }],
      }),
    );
    expect(p).toMatchObject({ status: 422, code: "unprocessable" });
    expect(p.fields.sort()).toEqual(["body.add.0.id", "body.remove.0", "body.renumber.0.from", "body.renumber.1.to"]);
    expect(await problemOf(await post({ code: "nobase", validFrom: "2027-01-01T00:00:00+08:00", basedOn: "1999" }))).toMatchObject({ status: 404 });
    const versions = await gw.testDb.db.one<{ n: number }>("select count(*)::int as n from network_versions");
    expect(versions.n).toBe(5);
    // a traffic operator may read the versions but not add one
    expect(
      (await gw.request("/v1/network/versions", { method: "POST", role: "traffic_operator", json: { code: "y", validFrom: "2027-01-01T00:00:00Z" } })).status,
    ).toBe(403);
  });
});
