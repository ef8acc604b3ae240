import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHighsLoader } from "./highs.ts";
import { littleArterial } from "./little-1966.ts";
import { InProcessLpSolver, WorkerLpSolver } from "./lp-solver.ts";
import { maxbandLp } from "./maxband.ts";

// HiGHS solves take seconds when the shared machine is busy.
setDefaultTimeout(60_000);

const worker = new WorkerLpSolver();
afterAll(() => worker.close());

describe("LP solvers", () => {
  test("the worker gives the in-process optimum and keeps the event loop running meanwhile", async () => {
    const lp = maxbandLp(littleArterial());
    const local = await new InProcessLpSolver(createHighsLoader()).solve(lp, { mip_rel_gap: 1e-6 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const remote = await worker.solve(lp, { mip_rel_gap: 1e-6 });
    clearInterval(timer);
    expect(remote.Status).toBe("Optimal");
    expect(remote.ObjectiveValue).toBeCloseTo(local.ObjectiveValue, 9);
    expect(ticks).toBeGreaterThan(3);
  });

  test("concurrent solves are answered each with its own result; bad models fail alone", async () => {
    const [a, b, bad] = await Promise.allSettled([
      worker.solve("Maximize\n obj: x\nSubject To\n c: x <= 2\nEnd", {}),
      worker.solve("Maximize\n obj: x\nSubject To\n c: x <= 5\nEnd", {}),
      worker.solve("this is not an LP", {}),
    ]);
    expect(a.status === "fulfilled" && a.value.ObjectiveValue).toBe(2);
    expect(b.status === "fulfilled" && b.value.ObjectiveValue).toBe(5);
    expect(bad.status === "rejected" || (bad.status === "fulfilled" && bad.value.Status !== "Optimal")).toBe(true);
  });
});
