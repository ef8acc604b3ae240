import { expect, setDefaultTimeout, test } from "bun:test";
import type { RouteModule } from "../gateway/http/define-route.ts";
import type { GatewayDeps } from "../gateway/http/types.ts";
import { signalRoutes } from "../gateway/routes/signals/index.ts";
import { littleCorridor } from "./support/green-wave.ts";
import { createTestGateway, expectJson } from "./support/gateway.ts";

// A HiGHS solve takes seconds when the shared machine is busy.
setDefaultTimeout(60_000);

/** A public route that hands the test the deps the app built (what handlers see as c.var.deps). */
function depsProbe(seen: (deps: GatewayDeps) => void): RouteModule {
  return {
    method: "get",
    path: "/test/deps",
    roles: "public",
    register: (app) => {
      app.get("/test/deps", (c) => {
        seen(c.var.deps);
        return c.body(null, 204);
      });
    },
  };
}

test("closing the app ends the LP worker thread its signal services started", async () => {
  let deps: GatewayDeps | undefined;
  const gw = await createTestGateway({ routes: [...signalRoutes, depsProbe((d) => (deps = d))] });
  try {
    expect((await gw.request("/test/deps")).status).toBe(204);
    const solver = deps!.signals.lpSolver;
    expect(solver.liveWorkers).toBe(0);
    const corridor = await expectJson(await gw.request("/v1/corridors", { method: "POST", role: "traffic_operator", json: littleCorridor() }), 201);
    await expectJson(await gw.request(`/v1/corridors/${corridor.id}/plans`, { method: "POST", role: "traffic_operator" }), 201);
    expect(solver.liveWorkers).toBe(1);

    await gw.app.close();
    for (let i = 0; i < 100 && solver.liveWorkers > 0; i++) await Bun.sleep(20);
    expect(solver.liveWorkers).toBe(0);
    // A closed app starts no new worker: a later solve fails instead.
    expect((await gw.request(`/v1/corridors/${corridor.id}/plans`, { method: "POST", role: "traffic_operator" })).status).toBe(500);
    expect(solver.liveWorkers).toBe(0);
  } finally {
    await gw.close();
  }
});
