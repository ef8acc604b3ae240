import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, expectJson, expectProblem, type TestGateway } from "../../../test/support/gateway.ts";
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

  test("current incidents and history, one incident with its hotspot; 404 for an unknown one", async () => {
    const db = gw.testDb.db;
    const hotspot = await db.maybeOne<{ id: number }>("select id from hotspots where from_gantry = '01F0256N' and status = 'cleared'");
    const insert = (from: string, to: string, status: string, raised: string, cleared: string | null, hotspotId: number | null) =>
      db.maybeOne<{ id: number }>(
        `insert into incidents (from_gantry, to_gantry, freeway, direction, km, status, severity, started_at, raised_at, cleared_at,
                                overdue_vehicles, longest_overdue_s, expected_travel_time_s, speed_bound_kmh, queue_segments, hotspot_id)
         values ($1, $2, '01F', 'N', 23.3, $3, 'severe', $4::timestamptz - interval '3 minutes', $4, $5, 40, 600, 110, 15, '{01F0293N>01F0256N}', $6) returning id`,
        [from, to, status, raised, cleared, hotspotId],
      );
    const old = await insert("01F0256N", "01F0233N", "cleared", "2024-05-07T08:10:00+08:00", "2024-05-07T08:50:00+08:00", hotspot ? Number(hotspot.id) : null);
    await insert("01F0376N", "01F0340N", "confirmed", "2026-11-26T08:00:00+08:00", null, null);
    const current = await get("/v1/traffic/incidents?current=true");
    expect(current.items.map((i: any) => [i.fromGantry, i.status])).toEqual([["01F0376N", "confirmed"]]);
    const history = await get(`/v1/traffic/incidents?${q({ from: "2024-05-07T07:00:00+08:00", to: "2024-05-07T09:00:00+08:00" })}`);
    expect(history.items.map((i: any) => [i.fromGantry, i.status])).toEqual([["01F0256N", "cleared"]]);
    const one = await get(`/v1/traffic/incidents/${Number(old!.id)}`);
    expect(one).toMatchObject({
      fromGantry: "01F0256N",
      toGantry: "01F0233N",
      severity: "severe",
      overdueVehicles: 40,
      queueSegments: ["01F0293N>01F0256N"],
      hotspotId: Number(hotspot!.id),
      clearedAt: "2024-05-07T00:50:00.000Z",
    });
    await expectProblem(await gw.request("/v1/traffic/incidents/999999", { role: "traffic_operator" }), 404);
    await expectProblem(await gw.request("/v1/traffic/incidents", { role: "traffic_operator" }), 400);
  });

  test("congestion prices: an admin prices a segment, the feed (current and history), an audited operator cap; 404 for a segment that is not priced", async () => {
    const db = gw.testDb.db;
    const priced = await expectJson(
      await gw.request("/v1/traffic/priced-segments/01F0264S/01F0293S", { role: "admin", method: "PUT", json: { enabled: true, capacityVph: 6000 } }),
      200,
    );
    expect(priced).toMatchObject({ fromGantry: "01F0264S", toGantry: "01F0293S", enabled: true, capacityVph: 6000, override: null, latestPermille: null });
    // Only admins put a segment under pricing (it changes what vehicles pay); not a segment of the network: 404.
    await expectProblem(
      await gw.request("/v1/traffic/priced-segments/01F0264S/01F0293S", {
        role: "traffic_operator",
        method: "PUT",
        json: { enabled: false, capacityVph: null },
      }),
      403,
    );
    await expectProblem(
      await gw.request("/v1/traffic/priced-segments/01F0264S/01F0376S", { role: "admin", method: "PUT", json: { enabled: true, capacityVph: null } }),
      404,
    );
    await db.query(
      `insert into price_log (from_gantry, to_gantry, announced_at, effective_from, permille, speed_kmh, volume, reason)
       values ('01F0264S', '01F0293S', '2026-11-26T08:00:20+08:00', '2026-11-26T08:05:00+08:00', 1000, 90, 120, 'in-band'),
              ('01F0264S', '01F0293S', '2026-11-26T08:05:20+08:00', '2026-11-26T08:10:00+08:00', 1250, 41.5, 140, 'below-target')`,
    );
    const current = await get("/v1/traffic/prices?current=true");
    expect(current.items).toHaveLength(1);
    expect(current.items[0]).toMatchObject({
      fromGantry: "01F0264S",
      multiplier: 1.25,
      permille: 1250,
      speedKmh: 41.5,
      volume: 140,
      effectiveFrom: "2026-11-26T00:10:00.000Z",
      validUntil: "2026-11-26T00:25:00.000Z",
    });
    const history = await get(`/v1/traffic/prices?${q({ from: "2026-11-26T08:00:00+08:00", to: "2026-11-26T09:00:00+08:00" })}`);
    expect(history.items.map((p: any) => p.permille)).toEqual([1000, 1250]);
    const put = (path: string, body: unknown) => gw.request(path, { role: "traffic_operator", method: "PUT", json: body });
    const capped = await expectJson(await put("/v1/traffic/priced-segments/01F0264S/01F0293S/override", { capPermille: 1500, frozen: false }), 200);
    expect(capped).toMatchObject({ capPermille: 1500, frozen: false });
    const audit = await db.maybeOne<{ action: string; after: { capPermille: number } }>(
      "select action, after from audit_log where entity = 'priced_segment' and entity_id = '01F0264S>01F0293S'",
    );
    expect(audit).toMatchObject({ action: "price_override.set", after: { capPermille: 1500 } });
    await expectProblem(await put("/v1/traffic/priced-segments/01F0005S/01F0017S/override", { capPermille: null, frozen: true }), 404);
    const list = await get("/v1/traffic/priced-segments");
    expect(list.items).toEqual([
      expect.objectContaining({ fromGantry: "01F0264S", capacityVph: 6000, override: { capPermille: 1500, frozen: false }, latestPermille: 1250 }),
    ]);
    expect(await db.maybeOne("select action from audit_log where action = 'priced_segment.set'")).toEqual({ action: "priced_segment.set" });
  });
});
