import { afterAll, beforeAll, expect, test } from "bun:test";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";
import { expectedTotals, freePort, gantryStream, spawnIngest, storedTotals, streamBody } from "./support/ingest.ts";
import { GantryClient } from "../ingest/gantry-client/index.ts";
import { Context, Reactor } from "../ingest/zmq/index.ts";

/**
 * Fault test: 200 000 reads from 20 gantries while the ingest process is killed with SIGKILL and
 * restarted twice mid-stream. The gantries resend what was not acked (Lazy Pirate); the database
 * must end up with every read stored exactly once: passages, merged antenna reads and counts exact.
 */
const GANTRIES = 20;
const BATCHES = 20;
const PER_BATCH = 500;

let tdb: TestDatabase;
let ingest: ReturnType<typeof Bun.spawn> | undefined;

beforeAll(async () => {
  tdb = await createTestDatabase();
});

afterAll(async () => {
  ingest?.kill(9);
  await tdb?.drop();
}, 60_000);

test("kill -9 twice mid-stream: every read stored exactly once, passages and counts exact", async () => {
  const gantries = (await tdb.db.query<{ id: string }>("select id from gantries order by id limit $1", [GANTRIES])).map((r) => r.id);
  const t0 = Date.parse("2026-11-26T00:00:00Z");
  const streams = gantries.map((_, i) => gantryStream(i, BATCHES, PER_BATCH - 1, t0).batches);
  const expected = expectedTotals(gantries, streams);
  expect(expected.reads + GANTRIES * BATCHES).toBeGreaterThanOrEqual(200_000);

  const endpoint = `tcp://127.0.0.1:${freePort()}`;
  const env = { DATABASE_URL: tdb.url, INGEST_BIND: endpoint, DATABASE_POOL_MAX: "4" };
  ingest = spawnIngest(env);
  const ctx = Context.create();
  const reactor = new Reactor();
  const clients = gantries.map(
    (g) => new GantryClient({ endpoint, gantryId: g, maxInFlight: 4, ackTimeoutMs: 1500, reconnectAfterTimeouts: 2, context: ctx, reactor }),
  );
  const total = GANTRIES * BATCHES;
  let acked = 0;
  const statuses = new Map<string, number>();
  const kills: number[] = [];
  const killer = setInterval(() => {
    const due = kills.length === 0 ? total / 3 : kills.length === 1 ? (2 * total) / 3 : Number.POSITIVE_INFINITY;
    if (acked < due || !ingest) return;
    kills.push(acked);
    ingest.kill(9);
    ingest = spawnIngest(env);
  }, 20);

  await Promise.all(
    clients.map(async (c, gi) => {
      const inFlight = new Set<Promise<void>>();
      for (let b = 0; b < BATCHES; b++) {
        const p: Promise<void> = c.send(b + 1, streamBody(streams[gi]![b]!)).then((r) => {
          statuses.set(r.reply.status, (statuses.get(r.reply.status) ?? 0) + 1);
          expect(["ok", "duplicate"]).toContain(r.reply.status);
          acked++;
          inFlight.delete(p);
        });
        inFlight.add(p);
        if (inFlight.size >= 4) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    }),
  );
  clearInterval(killer);
  for (const c of clients) c.close();
  reactor.stop();
  ctx.term();
  expect(kills.length).toBe(2);

  const stored = await storedTotals(tdb.db);
  expect(stored.batches).toBe(total);
  expect(stored.batch_reads).toBe(expected.reads + total); // + one invalid read per batch
  expect(stored.bad).toBe(total);
  expect(stored.raw).toBe(expected.reads);
  expect(stored.passages).toBe(expected.passages);
  expect(stored.passagesByKey.size).toBe(expected.passagesByKey.size);
  for (const [k, n] of expected.passagesByKey)
    if (stored.passagesByKey.get(k) !== n) throw new Error(`passages of ${k}: stored ${stored.passagesByKey.get(k)}, expected ${n}`);
  expect(stored.counts.size).toBe(expected.counts.size);
  for (const [k, n] of expected.counts) if (stored.counts.get(k) !== n) throw new Error(`count ${k}: stored ${stored.counts.get(k)}, expected ${n}`);
  expect(stored.laneCountRows).toBeGreaterThan(0);
  expect(stored.laneCountMismatches).toBe(0);
  process.stderr.write(`fault test: kills after ${kills.join(", ")} acked batches; statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`);
}, 240_000);
