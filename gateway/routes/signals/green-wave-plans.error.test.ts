import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Corridor } from "../../../control/signals/corridor.ts";
import type { SignalPlan, SignalPlanDetail } from "../../../control/signals/plan-service.ts";
import { readJson, type TestGateway } from "../../../test/support/gateway.ts";
import { flowCorridor, gatewayWithSignals, littleCorridor } from "../../../test/support/green-wave.ts";

// HiGHS solves take seconds when the shared machine is busy.
setDefaultTimeout(60_000);

let gw: TestGateway;
beforeAll(async () => {
  gw = await gatewayWithSignals();
});
afterAll(() => gw.close());

const post = (path: string, json?: unknown) => gw.request(path, { method: "POST", role: "traffic_operator", ...(json !== undefined ? { json } : {}) });

interface Problem {
  status: number;
  code: string;
  detail: string;
  fields?: { field: string; message: string }[];
}

describe("corridor input", () => {
  test("schema violations are 400 naming the fields", async () => {
    const { intersections: _, ...noIntersections } = littleCorridor("x");
    const res = await post("/v1/corridors", { ...noIntersections, outboundSpeed: { minMs: "fast", maxMs: 17 } });
    expect(res.status).toBe(400);
    const p = await readJson<Problem>(res);
    const fields = p.fields!.map((f) => f.field);
    expect(fields).toContain("body.intersections");
    expect(fields).toContain("body.outboundSpeed.minMs");
  });

  test("domain rule violations are 422 naming each field", async () => {
    const spec = littleCorridor("bad");
    spec.cycleMaxS = 50;
    spec.intersections[3]!.distanceM = 0;
    spec.intersections[5]!.phases = [{ name: "main", greenS: 30 }];
    const res = await post("/v1/corridors", spec);
    expect(res.status).toBe(422);
    const p = await readJson<Problem>(res);
    expect(p.fields!.map((f) => f.field).sort()).toEqual(["body.cycleMaxS", "body.intersections.3.distanceM", "body.intersections.5.phases"]);
    expect((await gw.testDb.db.query("select 1 from corridors where name = 'bad'")).length).toBe(0);
  });

  test("a second corridor with the same name is a conflict", async () => {
    expect((await post("/v1/corridors", littleCorridor("twice"))).status).toBe(201);
    const res = await post("/v1/corridors", littleCorridor("twice"));
    expect(res.status).toBe(409);
  });

  test("unknown corridors and plans are 404", async () => {
    for (const [method, path] of [
      ["GET", "/v1/corridors/999999"],
      ["POST", "/v1/corridors/999999/plans"],
      ["GET", "/v1/corridors/999999/plans"],
      ["GET", "/v1/corridors/999999/active-plan/export"],
      ["GET", "/v1/signal-plans/999999"],
      ["POST", "/v1/signal-plans/999999/approve"],
      ["POST", "/v1/signal-plans/999999/activate"],
      ["POST", "/v1/signal-plans/999999/retire"],
    ] as const) {
      const res = await gw.request(path, { method, role: "admin" });
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
  });
});

describe("plan lifecycle rules", () => {
  test("only proposed -> approved -> active -> retired; wrong steps are 409 and change nothing", async () => {
    const c = await readJson<Corridor>(await post("/v1/corridors", littleCorridor("lifecycle")));
    const plan = await readJson<SignalPlan>(await post(`/v1/corridors/${c.id}/plans`));
    expect((await post(`/v1/signal-plans/${plan.id}/activate`)).status).toBe(409);
    expect((await post(`/v1/signal-plans/${plan.id}/approve`)).status).toBe(200);
    expect((await post(`/v1/signal-plans/${plan.id}/approve`)).status).toBe(409);
    expect((await post(`/v1/signal-plans/${plan.id}/activate`)).status).toBe(200);
    expect((await post(`/v1/signal-plans/${plan.id}/activate`)).status).toBe(409);
    expect((await post(`/v1/signal-plans/${plan.id}/retire`)).status).toBe(200);
    const again = await post(`/v1/signal-plans/${plan.id}/retire`);
    expect(again.status).toBe(409);
    expect((await readJson<Problem>(again)).detail).toMatch(/already retired/);
    expect((await post(`/v1/signal-plans/${plan.id}/approve`)).status).toBe(409);
    const rows = await gw.testDb.db.query<{ action: string }>("select action from audit_log where entity = 'signal_plan' and entity_id = $1 order by id", [
      String(plan.id),
    ]);
    expect(rows.map((r) => r.action)).toEqual(["signal_plan.propose", "signal_plan.approve", "signal_plan.activate", "signal_plan.retire"]);
  });

  test("a rejected proposal is retired without ever being active", async () => {
    const c = await readJson<Corridor>(await post("/v1/corridors", littleCorridor("rejected")));
    const plan = await readJson<SignalPlan>(await post(`/v1/corridors/${c.id}/plans`));
    const res = await readJson<SignalPlan>(await post(`/v1/signal-plans/${plan.id}/retire`));
    expect(res).toMatchObject({ status: "retired", activatedAt: null, approvedAt: null });
  });
});

describe("guards in plan computation", () => {
  test("an oversaturated intersection still gets a plan, at the maximum cycle, with a warning", async () => {
    const spec = flowCorridor("saturated");
    spec.intersections[2]!.phases = [
      { name: "main", arterial: true, flow: 1300, saturation: 1800 },
      { name: "side", flow: 600, saturation: 1600 },
    ];
    const c = await readJson<Corridor>(await post("/v1/corridors", spec));
    const plan = await readJson<SignalPlan>(await post(`/v1/corridors/${c.id}/plans`));
    const detail = await readJson<SignalPlanDetail>(await gw.request(`/v1/signal-plans/${plan.id}`, { role: "traffic_operator" }));
    expect(detail.result.intersections[2]!.webster!.oversaturated).toBe(true);
    expect(detail.result.warnings.join(" ")).toMatch(/C: oversaturated/);
    expect(plan.cycleS).toBeCloseTo(120, 3);
  });

  test("when MAXBAND has no solution the plan falls back to one-way progression and says so", async () => {
    // Fixed 60 s cycle and 10 m/s: each round trip is half a cycle, which 6 s greens cannot absorb.
    const c = await readJson<Corridor>(
      await post("/v1/corridors", {
        name: "infeasible",
        cycleMinS: 60,
        cycleMaxS: 60,
        outboundSpeed: { minMs: 10, maxMs: 10 },
        inboundSpeed: { minMs: 10, maxMs: 10 },
        bandRatio: 1,
        intersections: [
          { name: "A", distanceM: 0, phases: [{ name: "main", greenS: 6, redS: 54 }] },
          { name: "B", distanceM: 150, phases: [{ name: "main", greenS: 6, redS: 54 }] },
        ],
      }),
    );
    const plan = await readJson<SignalPlan>(await post(`/v1/corridors/${c.id}/plans`));
    expect(plan).toMatchObject({ method: "one_way", solverStatus: "Infeasible", status: "proposed" });
    expect(plan.intersections[1]!.offsetS).toBeCloseTo(15, 3);
    const detail = await readJson<SignalPlanDetail>(await gw.request(`/v1/signal-plans/${plan.id}`, { role: "traffic_operator" }));
    expect(detail.result.warnings.join(" ")).toMatch(/one-way progression/);
  });
});
