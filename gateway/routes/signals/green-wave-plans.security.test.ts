import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Corridor } from "../../../control/signals/corridor.ts";
import type { SignalPlan } from "../../../control/signals/plan-service.ts";
import { ROLES, type Role } from "../../http/roles.ts";
import { readJson, type TestGateway } from "../../../test/support/gateway.ts";
import { gatewayWithSignals, littleCorridor } from "../../../test/support/green-wave.ts";

// HiGHS solves take seconds when the shared machine is busy.
setDefaultTimeout(60_000);

/**
 * Who may do what with corridors and signal plans: traffic operators and admins write (approval is
 * theirs), auditors only read, toll operators see nothing of it. Refused calls change nothing.
 */
let gw: TestGateway;
let corridorId = 0;
let planId = 0;

beforeAll(async () => {
  gw = await gatewayWithSignals();
  corridorId = (await readJson<Corridor>(await gw.request("/v1/corridors", { method: "POST", role: "traffic_operator", json: littleCorridor() }))).id;
  planId = (await readJson<SignalPlan>(await gw.request(`/v1/corridors/${corridorId}/plans`, { method: "POST", role: "traffic_operator" }))).id;
});
afterAll(() => gw.close());

const reads = () => [`/v1/corridors`, `/v1/corridors/${corridorId}`, `/v1/corridors/${corridorId}/plans`, `/v1/signal-plans/${planId}`];
const writes = () => [
  { path: "/v1/corridors", json: littleCorridor("refused") as unknown },
  { path: `/v1/corridors/${corridorId}/plans` },
  { path: `/v1/signal-plans/${planId}/approve` },
  { path: `/v1/signal-plans/${planId}/activate` },
  { path: `/v1/signal-plans/${planId}/retire` },
];
const allowedToWrite: Role[] = ["admin", "traffic_operator"];
const allowedToRead: Role[] = ["admin", "traffic_operator", "auditor"];

describe("signal-plan permissions", () => {
  test("without a key every signal route is 401", async () => {
    for (const p of reads()) expect((await gw.request(p)).status).toBe(401);
    for (const w of writes()) expect((await gw.request(w.path, { method: "POST", ...(w.json ? { json: w.json } : {}) })).status).toBe(401);
    expect((await gw.request(`/v1/corridors/${corridorId}/active-plan/export`)).status).toBe(401);
  });

  test("reads: admin, traffic_operator and auditor; toll_operator is 403", async () => {
    for (const role of ROLES) {
      for (const p of reads()) expect([p, role, (await gw.request(p, { role })).status]).toEqual([p, role, allowedToRead.includes(role) ? 200 : 403]);
    }
  });

  test("writes by auditor or toll_operator are 403 and change nothing, audit included", async () => {
    const before = await gw.testDb.db.query("select id, status, approved_by from signal_plans order by id");
    const auditBefore = await gw.testDb.db.one<{ n: number }>("select count(*)::int as n from audit_log");
    for (const role of ROLES.filter((r) => !allowedToWrite.includes(r))) {
      for (const w of writes()) {
        const res = await gw.request(w.path, { method: "POST", role, ...(w.json ? { json: w.json } : {}) });
        expect([w.path, role, res.status]).toEqual([w.path, role, 403]);
      }
    }
    expect(await gw.testDb.db.query("select id, status, approved_by from signal_plans order by id")).toEqual(before);
    expect((await gw.testDb.db.one<{ n: number }>("select count(*)::int as n from audit_log")).n).toBe(auditBefore.n);
    expect((await gw.testDb.db.query("select 1 from corridors where name = 'refused'")).length).toBe(0);
  });

  test("a traffic operator approves and activates; the audit names the key", async () => {
    const approve = await gw.request(`/v1/signal-plans/${planId}/approve`, { method: "POST", role: "traffic_operator" });
    expect(approve.status).toBe(200);
    expect((await readJson<SignalPlan>(approve)).approvedBy).toBe(gw.keyIds.traffic_operator);
    expect((await gw.request(`/v1/signal-plans/${planId}/activate`, { method: "POST", role: "traffic_operator" })).status).toBe(200);
    const row = await gw.testDb.db.one<{
      actor_key_id: number;
      actor: string;
      request_id: string | null;
      before: { status: string };
      after: { status: string };
    }>("select actor_key_id, actor, request_id, before, after from audit_log where action = 'signal_plan.approve' and entity_id = $1", [String(planId)]);
    expect(row).toMatchObject({
      actor_key_id: gw.keyIds.traffic_operator,
      actor: "test-traffic_operator",
      before: { status: "proposed" },
      after: { status: "approved" },
    });
    expect(row.request_id).toBeTruthy();
    // The controller export is readable by auditors, not by toll operators.
    expect((await gw.request(`/v1/corridors/${corridorId}/active-plan/export`, { role: "auditor" })).status).toBe(200);
    expect((await gw.request(`/v1/corridors/${corridorId}/active-plan/export`, { role: "toll_operator" })).status).toBe(403);
  });

  test("a revoked traffic_operator key can no longer retire the plan", async () => {
    const k = await gw.mintKey("traffic_operator", "leaving operator");
    await gw.testDb.db.query("update api_keys set revoked_at = now() where id = $1", [k.id]);
    expect((await gw.request(`/v1/signal-plans/${planId}/retire`, { method: "POST", key: k.key })).status).toBe(401);
    expect((await gw.testDb.db.one<{ status: string }>("select status from signal_plans where id = $1", [planId])).status).toBe("active");
  });

  test("SQL-looking names are stored as text", async () => {
    const name = "x'); drop table signal_plans; --";
    const res = await gw.request("/v1/corridors", { method: "POST", role: "admin", json: littleCorridor(name) });
    expect(res.status).toBe(201);
    expect((await readJson<Corridor>(res)).name).toBe(name);
    expect((await gw.testDb.db.one<{ n: number }>("select count(*)::int as n from signal_plans")).n).toBeGreaterThan(0);
  });
});
