import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

// Two `bun run control` processes on one database: each period's jobs run once (in the process holding
// the leader lease); after kill -9 of the leader the other takes over within a period.
const PERIOD_S = 10;

interface Child {
  proc: ReturnType<typeof Bun.spawn>;
  lines: { msg: string; period?: number; at: number }[];
}

function spawnControl(url: string): Child {
  const proc = Bun.spawn(["bun", "run", join(import.meta.dir, "..", "control", "main.ts")], {
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: "info", CONTROL_PERIOD_S: String(PERIOD_S) },
    stderr: "pipe",
    stdout: "ignore",
  });
  const child: Child = { proc, lines: [] };
  void (async () => {
    const decoder = new TextDecoder();
    let rest = "";
    for await (const chunk of proc.stderr as ReadableStream<Uint8Array>) {
      rest += decoder.decode(chunk, { stream: true });
      const parts = rest.split("\n");
      rest = parts.pop()!;
      for (const p of parts) {
        try {
          const rec = JSON.parse(p) as { msg: string; period?: number };
          child.lines.push({ msg: rec.msg, period: rec.period, at: Date.now() });
        } catch {
          // not a log line
        }
      }
    }
  })();
  return child;
}

const ran = (c: Child) => c.lines.filter((l) => l.msg === "control jobs ran");
const leads = (c: Child) => c.lines.some((l) => l.msg.startsWith("leading"));

async function until(what: () => boolean, ms: number, label: string) {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await Bun.sleep(100);
  }
}

let tdb: TestDatabase;
const children: Child[] = [];
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  for (const c of children) c.proc.kill("SIGKILL");
  await Promise.all(children.map((c) => c.proc.exited));
  await tdb.drop();
});

describe("control jobs across two instances", () => {
  test("one leader runs each period; kill -9 of the leader hands the jobs to the other within a period", async () => {
    const a = spawnControl(tdb.url);
    const b = spawnControl(tdb.url);
    children.push(a, b);
    await until(() => leads(a) || leads(b), 30_000, "a leader");
    const [leader, follower] = leads(a) ? [a, b] : [b, a];
    // Both alive for at least one more period: only the leader runs.
    const start = ran(leader).length;
    await until(() => ran(leader).length >= start + 1, (PERIOD_S + 25) * 1000, "a second run by the leader");
    expect(ran(follower)).toEqual([]);
    expect(leads(follower)).toBe(false);

    leader.proc.kill("SIGKILL");
    await leader.proc.exited;
    const killedAt = Date.now();
    await until(() => ran(follower).length > 0, 2 * PERIOD_S * 1000 + 5000, "the follower to take over").catch((e) => {
      console.log(JSON.stringify(follower.lines.map((l) => ({ ...l, at: l.at - killedAt }))));
      throw e;
    });
    const tookLeadAt = follower.lines.find((l) => l.msg.startsWith("leading"))!.at;
    const takeoverMs = tookLeadAt - killedAt;
    console.log(`[control-leader] the follower took the lease ${takeoverMs} ms after kill -9 of the leader`);
    // At its next tick: within one period (plus start-up slack of the loaded test machine).
    expect(takeoverMs).toBeLessThan(PERIOD_S * 1000 + 2000);

    // No period ran twice across the two processes.
    const periods = [...ran(a), ...ran(b)].map((l) => l.period);
    expect(new Set(periods).size).toBe(periods.length);
  }, 120_000);
});
