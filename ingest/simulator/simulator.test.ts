import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RouterServer, type IncomingMessage } from "../zmq/index.ts";
import { Outbox } from "./outbox.ts";
import { Simulator } from "./simulator.ts";
import { TrafficData } from "./traffic-data.ts";
import { TrafficModel } from "./traffic-model.ts";

// Loading the real network and TDCS days takes seconds on a loaded 2-core machine.
setDefaultTimeout(60_000);

/**
 * The simulator over real libzmq sockets against a small TR1 acknowledger (a real ROUTER that
 * "commits" each (gantry, batch) once and answers duplicate afterwards, like the ingest contract).
 */
const text = new TextDecoder();

interface Acker {
  server: RouterServer;
  endpoint: string;
  committed: Map<string, unknown[]>;
  received: { gantry: string; batch: number }[];
  close(): Promise<void>;
}

async function startAcker(bind = "tcp://127.0.0.1:*", opts: { ack?: boolean; loseFirstAcks?: number } = {}): Promise<Acker> {
  let lost = 0;
  const committed = new Map<string, unknown[]>();
  const received: { gantry: string; batch: number }[] = [];
  const server: RouterServer = await RouterServer.start({
    bind,
    onMessages: (msgs: IncomingMessage[]) => {
      for (const m of msgs) {
        const h = JSON.parse(text.decode(m.frames[1])) as { gantry: string; batch: number };
        received.push(h);
        if (opts.ack === false) {
          server.done(m);
          continue;
        }
        const key = `${h.gantry}|${h.batch}`;
        const reads = JSON.parse(text.decode(m.frames[2])) as unknown[];
        const duplicate = committed.has(key);
        if (!duplicate) committed.set(key, reads);
        if (lost < (opts.loseFirstAcks ?? 0)) {
          // Committed, but the ack never reaches the gantry.
          lost++;
          server.done(m);
          continue;
        }
        // A duplicate carries the counts of the commit, as the ingest answers.
        const accepted = committed.get(key)!.length;
        server.reply(m, ["TR1", JSON.stringify({ batch: h.batch, status: duplicate ? "duplicate" : "ok", accepted, rejected: 0, errors: [] })]);
      }
    },
  });
  return { server, endpoint: server.endpoint, committed, received, close: () => server.close() };
}

let data: TrafficData;
let dir: string;
beforeAll(() => {
  data = TrafficData.load({ freeways: ["03A", "01H"] });
  dir = mkdtempSync(join(tmpdir(), "tollway-sim-"));
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const start = Date.parse("2024-03-25T08:00:00+08:00");
const model = (seed: number, startMs = start) =>
  new TrafficModel({ data, startMs, durationMs: 600_000, seed, vehiclesPerHour: 3000, duplicateRate: 0.1, collectTravelTimes: false });

describe("simulator", () => {
  test("sends every generated read once, in batches per gantry, all acked", async () => {
    const acker = await startAcker();
    const startedAt = Date.now();
    const m = model(1);
    const sim = new Simulator({
      endpoint: acker.endpoint,
      reads: m.reads(),
      simStartMs: start,
      outbox: new Outbox(join(dir, "a"), { fsync: false }),
      acceleration: Infinity,
      maxBatchReads: 50,
    });
    const summary = await sim.run();
    await acker.close();
    expect(summary.readsGenerated).toBe(m.truth.reads);
    expect(summary.readsGenerated).toBeGreaterThan(500);
    expect(summary.readsSent).toBe(summary.readsGenerated);
    expect(summary.readsAcked).toBe(summary.readsSent);
    expect(summary.unackedBatches).toBe(0);
    const stored = [...acker.committed.values()].reduce((a, r) => a + r.length, 0);
    expect(stored).toBe(m.truth.reads);
    // Batch numbers per gantry are 1..n without gaps and every batch is at most 50 reads.
    const byGantry = new Map<string, number[]>();
    for (const key of acker.committed.keys()) {
      const [g, b] = key.split("|");
      byGantry.set(g!, [...(byGantry.get(g!) ?? []), Number(b)]);
    }
    // A fresh outbox starts at the current time in ms, then counts up without gaps.
    for (const list of byGantry.values()) {
      list.sort((a, b) => a - b);
      expect(list[0]!).toBeGreaterThanOrEqual(startedAt);
      expect(list).toEqual(list.map((_, i) => list[0]! + i));
    }
    for (const reads of acker.committed.values()) expect(reads.length).toBeLessThanOrEqual(50);
  });

  test("given several endpoints, gantries move from one that does not answer to the next: every read acked there", async () => {
    const silent = await startAcker("tcp://127.0.0.1:*", { ack: false });
    const acker = await startAcker();
    const m = model(3);
    const sim = new Simulator({
      endpoint: [silent.endpoint, acker.endpoint],
      reads: m.reads(),
      simStartMs: start,
      outbox: new Outbox(join(dir, "failover"), { fsync: false }),
      acceleration: Infinity,
      maxBatchReads: 200,
      ackTimeoutMs: 300,
    });
    const summary = await sim.run();
    await silent.close();
    await acker.close();
    expect(silent.received.length).toBeGreaterThan(0);
    expect(summary.readsAcked).toBe(m.truth.reads);
    expect(summary.unackedBatches).toBe(0);
    expect([...acker.committed.values()].reduce((a, r) => a + r.length, 0)).toBe(m.truth.reads);
  });

  test("a restarted simulator resends unacked batches with their numbers and numbers new ones after them", async () => {
    const outboxDir = join(dir, "restart");
    // Run 1: the ingest takes the batches but never answers (it died before committing).
    const silent = await startAcker("tcp://127.0.0.1:*", { ack: false });
    const endpoint = silent.endpoint;
    const m1 = model(2);
    const s1 = new Simulator({
      endpoint,
      reads: m1.reads(),
      simStartMs: start,
      outbox: new Outbox(outboxDir),
      acceleration: Infinity,
      maxBatchReads: 40,
      ackTimeoutMs: 200,
      drainTimeoutMs: 500,
    });
    const r1 = await s1.run();
    await silent.close();
    expect(r1.readsAcked).toBe(0);
    expect(r1.unackedBatches).toBe(r1.batchesSent);
    expect(silent.received.length).toBeGreaterThan(0);
    const lastOfRun1 = new Map<string, number>();
    const run1 = new Set<string>();
    const reopened = new Outbox(outboxDir);
    for (const g of reopened.gantriesOnDisk()) {
      lastOfRun1.set(g, reopened.gantry(g).lastBatch);
      for (const e of reopened.gantry(g).pending()) run1.add(`${g}|${e.batch}`);
    }
    reopened.close();
    expect(run1.size).toBe(r1.batchesSent);

    // Run 2 on the same endpoint: an ingest that commits; the model continues later in the day.
    const acker = await startAcker(endpoint);
    const m2 = model(3, start + 600_000);
    const s2 = new Simulator({
      endpoint,
      reads: m2.reads(),
      simStartMs: start + 600_000,
      outbox: new Outbox(outboxDir),
      acceleration: Infinity,
      maxBatchReads: 40,
    });
    const r2 = await s2.run();
    await acker.close();
    expect(r2.resumedBatches).toBe(r1.batchesSent);
    expect(r2.unackedBatches).toBe(0);
    // Everything of both runs arrived exactly once.
    const stored = [...acker.committed.values()].reduce((a, r) => a + r.length, 0);
    expect(stored).toBe(m1.truth.reads + m2.truth.reads);
    // Run 1's batches kept their numbers; run 2's new batches come after them.
    for (const key of run1) expect(acker.committed.has(key)).toBe(true);
    for (const key of acker.committed.keys()) {
      if (run1.has(key)) continue;
      const [g, b] = key.split("|");
      expect(Number(b)).toBeGreaterThan(lastOfRun1.get(g!) ?? 0);
    }
    // The outbox is empty now and remembers the numbers for the next run.
    const after = new Outbox(outboxDir);
    for (const g of after.gantriesOnDisk()) {
      expect(after.gantry(g).pendingCount).toBe(0);
      expect(after.gantry(g).lastBatch).toBeGreaterThanOrEqual(lastOfRun1.get(g) ?? 0);
    }
    after.close();
  });

  test("lost acks are resent with the same number, answered duplicate and stored once", async () => {
    const acker = await startAcker("tcp://127.0.0.1:*", { loseFirstAcks: 5 });
    const m = model(6);
    const sim = new Simulator({
      endpoint: acker.endpoint,
      reads: m.reads(),
      simStartMs: start,
      outbox: new Outbox(join(dir, "lost"), { fsync: false }),
      acceleration: Infinity,
      maxBatchReads: 50,
      ackTimeoutMs: 300,
    });
    const summary = await sim.run();
    await acker.close();
    expect(summary.duplicateBatches).toBe(5);
    expect(summary.numberCollisions).toBe(0);
    expect(summary.resends).toBeGreaterThanOrEqual(5);
    expect(summary.readsAcked).toBe(m.truth.reads);
    // The reads of the batches answered duplicate were accepted when they were committed.
    expect(summary.readsAccepted).toBe(m.truth.reads);
    expect([...acker.committed.values()].reduce((a, r) => a + r.length, 0)).toBe(m.truth.reads);
  });

  test("the outbox survives a torn last line and never reuses a batch number", () => {
    const d = join(dir, "torn");
    const o1 = new Outbox(d, { fsync: false, firstBatch: () => 1 });
    const g = o1.gantry("01F0017N");
    expect(g.add('[{"a":1}]', 1).batch).toBe(1);
    expect(g.add('[{"a":2}]', 1).batch).toBe(2);
    g.ack(1);
    o1.close();
    // A crash in the middle of writing batch 3.
    const path = join(d, "01F0017N.log");
    appendFileSync(path, 'B\t3\t[{"a":');
    const o2 = new Outbox(d, { fsync: false });
    const g2 = o2.gantry("01F0017N");
    expect(g2.pending().map((e) => e.batch)).toEqual([2]);
    expect(g2.lastBatch).toBe(2);
    expect(g2.add('[{"a":3}]', 1).batch).toBe(3);
    g2.ack(2);
    g2.ack(3);
    g2.compact();
    o2.close();
    expect(readFileSync(path, "utf8")).toBe("N\t3\n");
    const o3 = new Outbox(d, { fsync: false });
    expect(o3.gantry("01F0017N").add("[]", 0).batch).toBe(4);
    o3.close();
  });

  test("paces simulated time by the acceleration factor", async () => {
    const acker = await startAcker();
    const m = new TrafficModel({ data, startMs: start, durationMs: 60_000, seed: 5, vehiclesPerHour: 20_000, collectTravelTimes: false, drain: false });
    const sim = new Simulator({
      endpoint: acker.endpoint,
      reads: m.reads(),
      simStartMs: start,
      outbox: new Outbox(join(dir, "pace"), { fsync: false }),
      acceleration: 60,
      flushIntervalMs: 100,
    });
    const t0 = performance.now();
    const summary = await sim.run();
    const elapsed = performance.now() - t0;
    await acker.close();
    // The last read is close to 60 s of simulated time after the start: 1 s of wall time at 60x.
    expect((m.truth.lastMs - start) / 60).toBeGreaterThan(900);
    expect(elapsed).toBeLessThan(4000);
    expect(elapsed).toBeGreaterThan((m.truth.lastMs - start) / 60 - 50);
    expect(summary.readsAcked).toBe(m.truth.reads);
  });
});
