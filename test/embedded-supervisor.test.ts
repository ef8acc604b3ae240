import { afterAll, beforeAll, expect, test } from "bun:test";
import { Database } from "../core/db/database.ts";
import { freeLocalPort } from "../core/embedded/embedded-postgres.ts";
import { GantryClient } from "../ingest/gantry-client/index.ts";
import { Context, Reactor } from "../ingest/zmq/index.ts";
import { TEST_READ_WINDOW, expectedTotals, gantryStream, storedTotals, streamBody } from "./support/ingest.ts";
import { Stack } from "./support/stack.ts";

/**
 * `bun run start` (embedded PostgreSQL) while gantries stream: the ingest is killed with SIGKILL six
 * times within a minute, each time once it is back and storing. The launcher restarts it every time
 * (backing off 1 s, 2 s, 4 s, capped here at 4 s by START_RESTART_MAX_DELAY_S), and at the end every
 * batch the gantries saw acked is stored exactly once: passages, merged reads and counts exact.
 * The old launcher stopped restarting after the fifth exit within 60 s.
 */
const GANTRIES = 12;
const BATCHES = 100;
const PER_BATCH = 150;
/** One batch per gantry every SEND_EVERY_MS: the stream lasts ~40 s, through all six kills. */
const SEND_EVERY_MS = 400;
const KILLS = 6;

let stack: Stack;
let db: Database;
let endpoint: string;

beforeAll(async () => {
  endpoint = `tcp://127.0.0.1:${freeLocalPort()}`;
  stack = await Stack.start({
    env: {
      START_COMPONENTS: "ingest",
      INGEST_BIND: endpoint,
      INGEST_METRICS_PORT: String(freeLocalPort()),
      START_RESTART_MAX_DELAY_S: "4",
      DATABASE_POOL_MAX: "4",
      // The reads are stamped on a fixed day: widen the plausible-time window as the other ingest tests do.
      INGEST_READ_MAX_AGE_S: String(TEST_READ_WINDOW.readMaxAgeSeconds),
      INGEST_READ_MAX_AHEAD_S: String(TEST_READ_WINDOW.readMaxAheadSeconds),
    },
  });
  await stack.waitForLog("ingest ready", (l) => l.msg === "component ready" && l.component === "ingest", 90_000);
  db = new Database({ url: stack.databaseUrl, max: 2 });
}, 180_000);

afterAll(async () => {
  await db?.close();
  if (stack) expect(await stack.stop()).toBe(0);
  await stack?.dispose();
}, 60_000);

test("kill -9 of the ingest six times within a minute: back every time, every acked read stored exactly once", async () => {
  const gantries = (await db.query<{ id: string }>("select id from gantries order by id limit $1", [GANTRIES])).map((r) => r.id);
  const t0 = Date.parse("2026-11-26T00:00:00Z");
  const streams = gantries.map((_, i) => gantryStream(i, BATCHES, PER_BATCH - 1, t0).batches);
  const expected = expectedTotals(gantries, streams);

  const ctx = Context.create();
  const reactor = new Reactor();
  const clients = gantries.map(
    (g) => new GantryClient({ endpoint, gantryId: g, maxInFlight: 4, ackTimeoutMs: 1500, reconnectAfterTimeouts: 2, context: ctx, reactor }),
  );
  let acked = 0;
  const statuses = new Map<string, number>();
  const started = Date.now();
  const sending = Promise.all(
    clients.map(async (c, gi) => {
      const inFlight = new Set<Promise<void>>();
      for (let b = 0; b < BATCHES; b++) {
        const due = started + b * SEND_EVERY_MS;
        if (Date.now() < due) await Bun.sleep(due - Date.now());
        const p: Promise<void> = c.send(b + 1, streamBody(streams[gi]![b]!)).then((r) => {
          statuses.set(r.reply.status, (statuses.get(r.reply.status) ?? 0) + 1);
          acked++;
          inFlight.delete(p);
        });
        inFlight.add(p);
        if (inFlight.size >= 4) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    }),
  );

  // Kill the ingest each time it is back and has acked more batches.
  const kills: { at: number; pid: number; acked: number }[] = [];
  for (let k = 0; k < KILLS; k++) {
    await stack.waitForLog(`ingest ready after ${k} restarts`, (l) => l.msg === "component ready" && l.component === "ingest" && l.restarts === k, 60_000);
    const ackedAtReady = acked;
    const until = Date.now() + 10_000;
    while (acked < ackedAtReady + GANTRIES && Date.now() < until) await Bun.sleep(20);
    const pid = stack.logsOf("component started", "ingest").at(-1)!.pid as number;
    process.kill(pid, "SIGKILL");
    kills.push({ at: Date.now(), pid, acked });
  }
  const back = await stack.waitForLog(
    "ingest ready after the last kill",
    (l) => l.msg === "component ready" && l.component === "ingest" && l.restarts === KILLS,
    60_000,
  );
  await sending;
  for (const c of clients) c.close();
  reactor.stop();
  ctx.term();

  expect(kills[KILLS - 1]!.at - kills[0]!.at).toBeLessThan(60_000);
  expect(new Set(kills.map((k) => k.pid)).size).toBe(KILLS);
  // Each kill was taken while gantries were still sending.
  expect(kills[KILLS - 1]!.acked).toBeLessThan(GANTRIES * BATCHES);
  const exits = stack.logsOf("component exited", "ingest");
  expect(exits.map((e) => e.signal)).toEqual(Array(KILLS).fill("SIGKILL"));
  const restarts = stack.logsOf("restarting component", "ingest");
  expect(restarts.map((r) => r.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
  expect(restarts.map((r) => r.delayMs)).toEqual([1000, 2000, 4000, 4000, 4000, 4000]);
  expect(back.pid).not.toBe(kills[KILLS - 1]!.pid);

  const total = GANTRIES * BATCHES;
  expect(acked).toBe(total);
  expect([...statuses.keys()].every((s) => s === "ok" || s === "duplicate")).toBe(true);
  const stored = await storedTotals(db);
  expect(stored.batches).toBe(total);
  expect(stored.batch_reads).toBe(expected.reads + total); // + one invalid read per batch
  expect(stored.bad).toBe(total);
  expect(stored.raw).toBe(expected.reads);
  expect(stored.passages).toBe(expected.passages);
  for (const [k, n] of expected.passagesByKey)
    if (stored.passagesByKey.get(k) !== n) throw new Error(`passages of ${k}: stored ${stored.passagesByKey.get(k)}, expected ${n}`);
  expect(stored.passagesByKey.size).toBe(expected.passagesByKey.size);
  for (const [k, n] of expected.counts) if (stored.counts.get(k) !== n) throw new Error(`count ${k}: stored ${stored.counts.get(k)}, expected ${n}`);
  expect(stored.counts.size).toBe(expected.counts.size);
  expect(stored.laneCountMismatches).toBe(0);
  process.stderr.write(
    `supervisor test: kills at +${kills.map((k) => ((k.at - kills[0]!.at) / 1000).toFixed(1)).join(", +")} s (after ${kills.map((k) => k.acked).join(", ")} acked batches); statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`,
  );
}, 180_000);
