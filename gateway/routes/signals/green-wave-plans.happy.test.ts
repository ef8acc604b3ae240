import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { readJson, type TestGateway } from "../../../test/support/gateway.ts";
import type { Corridor } from "../../../control/signals/corridor.ts";
import type { CorridorSummary } from "../../../control/signals/corridor-service.ts";
import type { ControllerExport, SignalPlan, SignalPlanDetail } from "../../../control/signals/plan-service.ts";
import { flowCorridor, gatewayWithSignals, littleCorridor } from "../../../test/support/green-wave.ts";

// HiGHS solves take seconds when the shared machine is busy.
setDefaultTimeout(60_000);

let gw: TestGateway;
beforeAll(async () => {
  gw = await gatewayWithSignals();
});
afterAll(() => gw.close());

const post = (path: string, role: "traffic_operator" | "admin" = "traffic_operator", json?: unknown) =>
  gw.request(path, { method: "POST", role, ...(json !== undefined ? { json } : {}) });
const get = (path: string, role: "traffic_operator" | "auditor" | "admin" = "traffic_operator") => gw.request(path, { role });

describe("green-wave plans through the API", () => {
  let corridorId = 0;
  let firstPlan = 0;

  test("create Little's arterial as a corridor", async () => {
    const res = await post("/v1/corridors", "traffic_operator", littleCorridor());
    expect(res.status).toBe(201);
    const body = await readJson<Corridor>(res);
    corridorId = body.id;
    expect(body.intersections).toHaveLength(10);
    expect(body.intersections.map((i) => i.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(body.speedChange).toEqual({ outboundSPerM: 0.0121, inboundSPerM: 0.0121 });
    const list = await readJson<{ items: CorridorSummary[] }>(await get("/v1/corridors", "auditor"));
    expect(list.items.find((c) => c.id === corridorId)).toMatchObject({ intersectionCount: 10, activePlanId: null });
  });

  test("propose: MAXBAND reaches Little's optimum and stores offsets, splits and time-space rows", async () => {
    const res = await post(`/v1/corridors/${corridorId}/plans`);
    expect(res.status).toBe(201);
    const plan = await readJson<SignalPlan>(res);
    firstPlan = plan.id;
    expect(plan).toMatchObject({ version: 1, status: "proposed", method: "maxband", solverStatus: "Optimal", corridorId });
    expect(Math.abs((plan.outboundBandS! + plan.inboundBandS!) / plan.cycleS - 0.5628)).toBeLessThan(0.001);
    expect(plan.intersections).toHaveLength(10);
    expect(plan.intersections[0]!.offsetS).toBe(0);
    for (const i of plan.intersections) {
      expect(i.offsetS).toBeGreaterThanOrEqual(0);
      expect(i.offsetS).toBeLessThan(plan.cycleS);
    }
    // Fixed timings are scaled to the plan's cycle.
    expect(plan.intersections[0]!.splits[0]!.greenS).toBeCloseTo(0.53 * plan.cycleS, 3);

    const detail = await readJson<SignalPlanDetail>(await get(`/v1/signal-plans/${plan.id}`, "auditor"));
    const rows = detail.result.timeSpace;
    expect(rows.filter((r) => r.kind === "green" && r.direction === "outbound").length).toBeGreaterThanOrEqual(20);
    expect(rows.filter((r) => r.kind === "band_lower" && r.direction === "inbound")).toHaveLength(18);
    expect(detail.result.baseline.objectiveCycles).toBeLessThan(0.5628);
    expect(detail.result.speeds.outbound.source).toBe("configured");
    expect(detail.result.progression.outbound.attainability).toBeGreaterThan(0);

    // The query a Grafana panel uses (documented in control/greenwave/README.md) reads the same rows.
    const sqlRows = await gw.testDb.db.query<{ kind: string; fromS: number; toS: number; fromM: number }>(
      `select r.kind, r."fromS", r."toS", r."fromM"
         from signal_plans p,
              jsonb_to_recordset(p.result -> 'timeSpace') as r(kind text, direction text, label text, seq int, "fromS" float8, "toS" float8, "fromM" float8, "toM" float8)
        where p.id = $1 and r.direction = 'outbound'
        order by r.seq, r."fromS"`,
      [plan.id],
    );
    expect(sqlRows.length).toBe(rows.filter((r) => r.direction === "outbound").length);
    expect(sqlRows.every((r) => r.toS > r.fromS && r.fromS >= 0)).toBe(true);
  });

  test("approve -> activate -> export; a newer plan retires the old one; every step is audited", async () => {
    expect((await gw.request(`/v1/corridors/${corridorId}/active-plan/export`, { role: "traffic_operator" })).status).toBe(404);
    const approved = await post(`/v1/signal-plans/${firstPlan}/approve`);
    expect(approved.status).toBe(200);
    expect(await readJson<SignalPlan>(approved)).toMatchObject({ status: "approved", approvedBy: gw.keyIds.traffic_operator });
    const active = await post(`/v1/signal-plans/${firstPlan}/activate`);
    expect(active.status).toBe(200);
    expect((await readJson<SignalPlan>(active)).status).toBe("active");

    const exp = await readJson<ControllerExport>(await get(`/v1/corridors/${corridorId}/active-plan/export`, "auditor"));
    expect(exp).toMatchObject({ format: "tollway.signal-plan.v1", corridorId, planId: firstPlan, version: 1 });
    expect(exp.controllers).toHaveLength(10);
    expect(exp.controllers[0]).toMatchObject({ seq: 1, offsetS: 0, leftTurns: null });
    expect(exp.offsetReference).toMatch(/intersection seq 1/);
    for (const ctl of exp.controllers) {
      expect(ctl.cycleS).toBe(exp.cycleS);
      expect(ctl.splits.map((s) => s.phase)).toEqual(["main", "side"]);
    }

    const second = await readJson<SignalPlan>(await post(`/v1/corridors/${corridorId}/plans`, "admin"));
    expect(second.version).toBe(2);
    expect((await post(`/v1/signal-plans/${second.id}/approve`, "admin")).status).toBe(200);
    expect((await post(`/v1/signal-plans/${second.id}/activate`, "admin")).status).toBe(200);
    const plans = (await readJson<{ items: SignalPlan[] }>(await get(`/v1/corridors/${corridorId}/plans`))).items;
    expect(plans.map((p) => [p.id, p.status])).toEqual([
      [second.id, "active"],
      [firstPlan, "retired"],
    ]);
    expect(plans[1]!.retiredAt).not.toBeNull();
    expect((await readJson<ControllerExport>(await get(`/v1/corridors/${corridorId}/active-plan/export`))).planId).toBe(second.id);

    const audit = await gw.testDb.db.query<{ action: string; entity_id: string; actor: string }>(
      "select action, entity_id, actor from audit_log where entity in ('signal_plan', 'corridor') order by id",
    );
    expect(audit.map((a) => `${a.action}:${a.entity_id}:${a.actor}`)).toEqual([
      `corridor.create:${corridorId}:test-traffic_operator`,
      `signal_plan.propose:${firstPlan}:test-traffic_operator`,
      `signal_plan.approve:${firstPlan}:test-traffic_operator`,
      `signal_plan.activate:${firstPlan}:test-traffic_operator`,
      `signal_plan.propose:${second.id}:test-admin`,
      `signal_plan.approve:${second.id}:test-admin`,
      `signal_plan.retire:${firstPlan}:test-admin`,
      `signal_plan.activate:${second.id}:test-admin`,
    ]);

    const retired = await post(`/v1/signal-plans/${second.id}/retire`);
    expect((await readJson<SignalPlan>(retired)).status).toBe("retired");
    expect((await get(`/v1/corridors/${corridorId}/active-plan/export`)).status).toBe(404);
  });

  test("flows: Webster per intersection, the critical cycle bounds the common cycle, left turns and queue clearance pass through", async () => {
    const c = await readJson<Corridor>(await post("/v1/corridors", "admin", flowCorridor()));
    const plan = await readJson<SignalPlan>(await post(`/v1/corridors/${c.id}/plans`));
    expect(plan.status).toBe("proposed");
    const detail = await readJson<SignalPlanDetail>(await get(`/v1/signal-plans/${plan.id}`));
    const ws = detail.result.intersections.map((i) => i.webster!);
    // B: Y = 800/1800 + 500/1600 = 0.757, L = 10 -> C0 = 20 / 0.243 = 82.4 s, the critical intersection.
    expect(ws[1]!.flowRatioSum).toBeCloseTo(800 / 1800 + 500 / 1600, 6);
    expect(ws[1]!.cycleS).toBeCloseTo(20 / (1 - (800 / 1800 + 500 / 1600)), 4);
    expect(detail.result.cycleRangeS[0]).toBeCloseTo(Math.max(...ws.map((w) => w.cycleS)), 4);
    expect(plan.cycleS).toBeGreaterThanOrEqual(detail.result.cycleRangeS[0] - 1e-3);
    // Splits at the plan's cycle share C - L in proportion to the flow ratios.
    const b = plan.intersections[1]!.splits;
    expect(b[0]!.greenS + b[1]!.greenS).toBeCloseTo(plan.cycleS - 10, 2);
    expect(b[0]!.greenS / b[1]!.greenS).toBeCloseTo(800 / 1800 / (500 / 1600), 3);
    expect(plan.outboundBandS).toBeGreaterThan(0);
    expect(detail.result.warnings).toEqual([]);
  });

  test("measured speeds from roadside readers replace the configured range", async () => {
    const base = Date.now() - 2 * 86_400_000;
    const rows: unknown[][] = [];
    for (let k = 0; k < 40; k++) rows.push([new Date(base + k * 300_000), "RD-A", "RD-B", 31, "computed", 60, 45 + (k % 10), 20]);
    await gw.testDb.db.bulkInsert(
      "segment_stats",
      ["bucket", "from_gantry", "to_gantry", "vehicle_class", "source", "travel_time_s", "speed_kmh", "volume"].map((name, i) => ({
        name,
        type: ["timestamptz", "text", "text", "smallint", "text", "real", "real", "integer"][i]!,
      })),
      rows,
    );
    const spec = {
      ...littleCorridor("Measured Rd"),
      outboundSpeed: { minMs: 10, maxMs: 20 },
      measuredSpeeds: { outbound: { fromGantry: "RD-A", toGantry: "RD-B" }, windowHours: 72 },
    };
    const c = await readJson<Corridor>(await post("/v1/corridors", "traffic_operator", spec));
    const plan = await readJson<SignalPlan>(await post(`/v1/corridors/${c.id}/plans`));
    const detail = await readJson<SignalPlanDetail>(await get(`/v1/signal-plans/${plan.id}`));
    const out = detail.result.speeds.outbound;
    expect(out.source).toBe("measured");
    // 15th-85th percentile of 40 buckets, 45..54 km/h four times each: positions 5.85 and 33.15 -> 46 and 53.
    expect(out.minMs * 3.6).toBeCloseTo(46, 3);
    expect(out.maxMs * 3.6).toBeCloseTo(53, 3);
    expect(detail.result.speeds.inbound.source).toBe("configured");
    for (const l of detail.result.progression.links) {
      expect(l.outboundSpeedMs).toBeGreaterThanOrEqual(out.minMs - 1e-6);
      expect(l.outboundSpeedMs).toBeLessThanOrEqual(out.maxMs + 1e-6);
    }
  });
});
