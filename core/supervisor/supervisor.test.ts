import { afterEach, describe, expect, test } from "bun:test";
import { createLogger } from "../log/logger.ts";
import { freeLocalPort } from "../embedded/embedded-postgres.ts";
import { RestartBackoff, Supervisor, type RestartPolicy } from "./supervisor.ts";

// Real child processes (bun -e ...), real exits, real HTTP readiness.
const bun = process.execPath;
let running: Supervisor | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

function supervise(policy: Partial<RestartPolicy>, opts: { stopTimeoutMs?: number } = {}) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: "debug", write: (l) => lines.push(JSON.parse(l)) });
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  running = new Supervisor({ cwd: import.meta.dir, env, logger, policy, readyPollMs: 50, ...opts });
  return { supervisor: running, lines, of: (msg: string) => lines.filter((l) => l.msg === msg) };
}

describe("RestartBackoff", () => {
  test("doubles from 1 s to a 30 s cap, and a run of a minute starts it over", () => {
    const b = new RestartBackoff();
    const quick = Array.from({ length: 8 }, () => b.next(500));
    expect(quick.map((q) => q.delayMs)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(quick.map((q) => q.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(b.next(60_000)).toEqual({ attempt: 1, delayMs: 1000 });
    expect(b.next(59_999)).toEqual({ attempt: 2, delayMs: 2000 });
  });

  test("never overflows however long it keeps failing", () => {
    const b = new RestartBackoff({ initialDelayMs: 1000, maxDelayMs: 30_000, stableAfterMs: 60_000 });
    for (let i = 0; i < 5000; i++) b.next(0);
    expect(b.next(0)).toEqual({ attempt: 5001, delayMs: 30_000 });
  });
});

describe("Supervisor", () => {
  test("restarts a component that keeps crashing, with growing delays, and never gives up", async () => {
    const { supervisor, of } = supervise({ initialDelayMs: 20, maxDelayMs: 80, stableAfterMs: 60_000 });
    supervisor.start({ name: "crasher", command: [bun, "-e", "process.exit(3)"] });
    const until = Date.now() + 20_000;
    while (of("restarting component").length < 12 && Date.now() < until) await Bun.sleep(50);
    const restarts = of("restarting component");
    // The old launcher stopped for good after 5 exits within a minute.
    expect(restarts.length).toBeGreaterThanOrEqual(12);
    expect(restarts.slice(0, 6).map((r) => r.delayMs)).toEqual([20, 40, 80, 80, 80, 80]);
    expect(restarts.slice(0, 6).map((r) => r.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(of("component exited")[0]).toMatchObject({ component: "crasher", code: 3 });
    expect(supervisor.status().crasher!.restarts).toBeGreaterThanOrEqual(11);
  }, 60_000);

  test("a component's own env goes over the supervisor's (two instances of one program on their own ports)", async () => {
    const { supervisor, of } = supervise({ initialDelayMs: 20, maxDelayMs: 20, stableAfterMs: 60_000 });
    // Each instance exits with the port it was given: its exit code says what it saw.
    const command = [bun, "-e", "process.exit(Number(process.env.TEST_PORT))"];
    supervisor.start({ name: "one", command, env: { TEST_PORT: "11" } });
    supervisor.start({ name: "two", command, env: { TEST_PORT: "12" } });
    const until = Date.now() + 20_000;
    while (of("component exited").length < 2 && Date.now() < until) await Bun.sleep(20);
    const codes = Object.fromEntries(of("component exited").map((l) => [l.component, l.code]));
    expect(codes).toEqual({ one: 11, two: 12 });
  }, 60_000);

  test("a component that stayed up long enough restarts after the first delay again", async () => {
    const { supervisor, of } = supervise({ initialDelayMs: 20, maxDelayMs: 1000, stableAfterMs: 200 });
    supervisor.start({ name: "steady", command: [bun, "-e", "setTimeout(() => process.exit(1), 400)"] });
    const until = Date.now() + 20_000;
    while (of("restarting component").length < 3 && Date.now() < until) await Bun.sleep(50);
    expect(
      of("restarting component")
        .slice(0, 3)
        .map((r) => [r.attempt, r.delayMs]),
    ).toEqual([
      [1, 20],
      [1, 20],
      [1, 20],
    ]);
  }, 60_000);

  test("logs a component ready when its readiness URL answers, after every restart, and reports its state", async () => {
    const port = freeLocalPort();
    const script = `setTimeout(() => Bun.serve({ port: ${port}, hostname: "127.0.0.1", fetch: () => new Response("ok") }), 200); setTimeout(() => process.kill(process.pid, "SIGKILL"), 1200);`;
    const { supervisor, of } = supervise({ initialDelayMs: 50, maxDelayMs: 50, stableAfterMs: 60_000 });
    supervisor.start({ name: "web", command: [bun, "-e", script], readyUrl: `http://127.0.0.1:${port}/readyz` });
    expect(supervisor.status().web!.state).toBe("starting");
    const until = Date.now() + 30_000;
    while (of("component ready").length < 2 && Date.now() < until) await Bun.sleep(20);
    const ready = of("component ready");
    expect(ready.map((r) => r.restarts)).toEqual([0, 1]);
    expect(of("component exited")[0]).toMatchObject({ component: "web", signal: "SIGKILL" });
    expect(supervisor.status().web!.state).toBe("ready");
  }, 60_000);

  test("stop() ends every component: SIGTERM, then SIGKILL for one that ignores it; nothing restarts", async () => {
    const { supervisor, of } = supervise({ initialDelayMs: 20 }, { stopTimeoutMs: 500 });
    supervisor.start({ name: "stubborn", command: [bun, "-e", "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"] });
    supervisor.start({ name: "polite", command: [bun, "-e", "setInterval(() => {}, 1000)"] });
    await Bun.sleep(500);
    const pids = Object.values(supervisor.status()).map((s) => s.pid!);
    await supervisor.stop();
    expect(of("component did not stop in time; killing it").map((l) => l.component)).toEqual(["stubborn"]);
    await Bun.sleep(200);
    expect(of("restarting component")).toEqual([]);
    expect(Object.values(supervisor.status()).map((s) => s.state)).toEqual(["stopped", "stopped"]);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  }, 60_000);
});
