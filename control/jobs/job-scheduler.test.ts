import { describe, expect, test } from "bun:test";
import { createLogger } from "../../core/log/logger.ts";
import { TollwayError } from "../../core/errors/tollway-error.ts";
import type { ControlJob } from "./control-job.ts";
import { JobScheduler } from "./job-scheduler.ts";

class Recorder implements ControlJob {
  readonly runs: number[] = [];
  constructor(
    readonly name: string,
    private readonly fail = false,
  ) {}
  async runOnce(nowMs: number): Promise<void> {
    this.runs.push(nowMs);
    if (this.fail) throw new TollwayError("internal", `${this.name} broke`);
  }
}

describe("JobScheduler", () => {
  test("a failing job is logged and does not stop the others", async () => {
    const lines: string[] = [];
    const a = new Recorder("a");
    const b = new Recorder("b", true);
    const c = new Recorder("c");
    const s = new JobScheduler([a, b, c], createLogger({ write: (l) => lines.push(l) }));
    expect(await s.tick(1000)).toEqual(["b"]);
    expect([a.runs, b.runs, c.runs]).toEqual([[1000], [1000], [1000]]);
    expect(lines.some((l) => JSON.parse(l).msg === "job failed" && JSON.parse(l).job === "b")).toBe(true);
  });

  test("runs every period on the clock and stops when aborted", async () => {
    let now = 0;
    const a = new Recorder("a");
    const stop = new AbortController();
    const s = new JobScheduler([a], createLogger({ level: "silent" }), { periodMs: 30, settleMs: 0, clock: async () => (now = Date.now()) });
    const running = s.run(stop.signal);
    await Bun.sleep(100);
    stop.abort();
    await running;
    expect(a.runs.length).toBeGreaterThanOrEqual(2);
    expect(now).toBeGreaterThan(0);
  });

  test("a settle delay longer than the period still ticks once a period (offset by the delay, not added to it)", async () => {
    const a = new Recorder("a");
    const stop = new AbortController();
    const s = new JobScheduler([a], createLogger({ level: "silent" }), { periodMs: 50, settleMs: 120 });
    const running = s.run(stop.signal);
    await Bun.sleep(600);
    stop.abort();
    await running;
    // Every 50 ms: about 12 runs (adding the delay to the period gave one every 170 ms: 4).
    expect(a.runs.length).toBeGreaterThanOrEqual(7);
  });
});
