import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, expectJson, type TestGateway } from "../../../test/support/gateway.ts";
import { TAG, loadTrafficFixture } from "../../../test/support/traffic-fixture.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway();
  await loadTrafficFixture(gw.testDb.db);
});
afterAll(() => gw.close());

const q = (o: Record<string, string>) => new URLSearchParams(o).toString();
const get = async (path: string) => expectJson(await gw.request(path, { role: "traffic_operator" }), 200);

describe("traffic routes", () => {
  test("travel times and speeds with time, segment and class filters", async () => {
    const tt = await get(
      `/v1/traffic/travel-times?${q({ from: "2024-03-25T07:00:00+08:00", to: "2024-03-25T07:10:00+08:00", fromGantry: "01F0017N", vehicleClass: "31", source: "tdcs" })}`,
    );
    expect(tt.truncated).toBe(false);
    expect(tt.items.map((r: any) => [r.bucket, r.fromGantry, r.toGantry, r.vehicleClass])).toEqual([
      ["2024-03-24T23:00:00.000Z", "01F0017N", "01F0005N", 31],
      ["2024-03-24T23:05:00.000Z", "01F0017N", "01F0005N", 31],
    ]);
    expect(tt.items[0].travelTimeS).toBeGreaterThan(0);
    const sp = await get(
      `/v1/traffic/speeds?${q({ from: "2024-05-07T08:15:00+08:00", to: "2024-05-07T08:20:00+08:00", freeway: "01F", direction: "N", source: "tdcs", limit: "3" })}`,
    );
    expect(sp.items).toHaveLength(3);
    expect(sp.truncated).toBe(true);
    expect(sp.items.every((r: any) => r.speedKmh === null || r.speedKmh > 0)).toBe(true);
  });

  test("current hotspots and history, one hotspot, reliability", async () => {
    const current = await get("/v1/traffic/hotspots?current=true&source=tdcs");
    expect(current.items.map((h: any) => [h.fromGantry, h.status]).sort()).toEqual([
      ["01F0256N", "new"],
      ["01F0376N", "active"],
      ["01F0467N", "active"],
    ]);
    const history = await get(`/v1/traffic/hotspots?${q({ from: "2024-05-07T07:00:00+08:00", to: "2024-05-07T09:00:00+08:00", source: "tdcs" })}`);
    // ranked by delay: 07:55 at 01F0213N (Neihu, a 2024 segment: 3461 veh-h), the 08:15 bottleneck at
    // 01F0256N (1877 veh-h), 07:00 at 01F0293N (432)
    expect(history.items.map((h: any) => [h.fromGantry, h.toGantry, h.status, Math.round(h.delayVehicleHours)])).toEqual([
      ["01F0213N", "01F0153N", "cleared", 3461],
      ["01F0256N", "01F0233N", "cleared", 1877],
      ["01F0293N", "01F0256N", "cleared", 432],
    ]);
    const one = await get(`/v1/traffic/hotspots/${history.items[1].id}`);
    expect(one).toMatchObject({ fromGantry: "01F0256N", toGantry: "01F0233N", freeway: "01F", direction: "N", severity: "severe", extentUpstreamKm: 23.4 });
    const rel = await get(`/v1/traffic/reliability?${q({ from: "2024-05-07T06:30:00+08:00", to: "2024-05-07T10:30:00+08:00", source: "tdcs" })}`);
    const worst = rel.items[0];
    expect(worst.tti).toBeGreaterThan(2);
    expect(worst.pti).toBeGreaterThanOrEqual(worst.tti);
    expect(worst.intervals).toBe(48);
  });

  test("counts, a vehicle's trips, TDCS export", async () => {
    const trips = await get(`/v1/traffic/trips?tagId=${TAG}`);
    expect(trips.items).toHaveLength(1);
    expect(trips.items[0].path.map((p: any) => p.gantry)).toEqual(["01F0005S", "01F0017S", "01F0029S"]);
    const counts = await get(`/v1/traffic/counts?${q({ from: "2026-11-26T08:00:00+08:00", to: "2026-11-26T09:00:00+08:00" })}`);
    expect(counts.items).toEqual([]);
    const res = await gw.request(`/v1/traffic/tdcs/M05A?${q({ from: "2024-05-07T08:15:00+08:00", to: "2024-05-07T08:20:00+08:00", source: "tdcs" })}`, {
      role: "admin",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/csv");
    const lines = (await res.text()).trim().split("\n");
    // Bureau-faithful: every published pair of the 2024-04 network x 5 classes, zero rows included
    expect(lines).toHaveLength(421 * 5);
    expect(lines).toContain("2024/05/07 08:15,01F0256N,01F0233N,31,25,263");
    expect(lines).toContain("2024/05/07 08:15,01F0017N,01F0005N,31,0,0");
    const stored = await gw.request(
      `/v1/traffic/tdcs/M05A?${q({ from: "2024-05-07T08:15:00+08:00", to: "2024-05-07T08:20:00+08:00", source: "tdcs", zeroRows: "stored" })}`,
      { role: "admin" },
    );
    const storedLines = (await stored.text()).trim().split("\n");
    // the fixture's 50 rows of that interval (all with data)
    expect(storedLines).toHaveLength(50);
  });
});
