import { afterAll, beforeAll, expect, test } from "bun:test";
import { Database } from "../core/db/database.ts";
import { Migrator, defaultSqlDir } from "../core/migrate/migrator.ts";
import { Seeder } from "../core/seed/seeder.ts";
import { GantryClient } from "../ingest/gantry-client/index.ts";
import type { IngestService } from "../ingest/service/ingest-service.ts";
import { Context, Reactor } from "../ingest/zmq/index.ts";
import { expectedTotals, gantryStream, startIngest, startThrowawayPostgres, storedTotals, streamBody, type ThrowawayPostgres } from "./support/ingest.ts";

/**
 * Database restart mid-stream, on a throwaway PostgreSQL cluster: the ingest keeps running, its
 * transactions fail, it retries the same groups (acks wait) once the server is back, and nothing is
 * lost or stored twice.
 */
const GANTRIES = 10;
const BATCHES = 12;
const PER_BATCH = 500;

let pg: ThrowawayPostgres;
let db: Database;
let ingest: IngestService | undefined;

beforeAll(async () => {
  pg = await startThrowawayPostgres();
  const admin = new Database({ url: pg.url, max: 1 });
  await admin.query("create database tollway");
  await admin.close();
  db = new Database({ url: pg.url.replace(/\/postgres$/, "/tollway"), max: 4, connectTimeoutMs: 2000, queryTimeoutMs: 10_000 });
  await new Migrator({ db, sqlDir: defaultSqlDir, timescaledb: "off", tollTimezone: "Asia/Taipei" }).run();
  await new Seeder(db).run();
}, 120_000);

afterAll(async () => {
  // The throwaway cluster is stopped whatever happens before, so no postgres is left running.
  try {
    await Promise.race([ingest?.stop(), Bun.sleep(20_000)]);
    await db?.close().catch(() => undefined);
  } finally {
    await pg?.stop();
  }
}, 60_000);

test("the database restarts mid-stream: the ingest survives, resumes and loses nothing", async () => {
  const gantries = (await db.query<{ id: string }>("select id from gantries order by id desc limit $1", [GANTRIES])).map((r) => r.id);
  const streams = gantries.map((_, i) => gantryStream(i, BATCHES, PER_BATCH - 1, Date.parse("2026-11-26T06:00:00Z")).batches);
  const expected = expectedTotals(gantries, streams);
  ingest = await startIngest(db, { stopTimeoutMs: 5000 });
  const endpoint = ingest.endpoint;
  const ctx = Context.create();
  const reactor = new Reactor();
  const clients = gantries.map((g) => new GantryClient({ endpoint, gantryId: g, maxInFlight: 2, ackTimeoutMs: 4000, context: ctx, reactor }));
  const total = GANTRIES * BATCHES;
  let acked = 0;
  let restarted: Promise<void> | undefined;
  await Promise.all(
    clients.map(async (c, gi) => {
      for (let b = 0; b < BATCHES; b++) {
        const r = await c.send(b + 1, streamBody(streams[gi]![b]!));
        expect(["ok", "duplicate"]).toContain(r.reply.status);
        acked++;
        // A third of the way in: fast shutdown (connections killed), down for 1.5 s, back up.
        if (acked === Math.floor(total / 3)) restarted = pg.restart(1500);
      }
    }),
  );
  await restarted;
  for (const c of clients) c.close();
  reactor.stop();
  ctx.term();

  expect(ingest.registry.render()).toMatch(/tollway_ingest_db_retries_total [1-9]/);
  const stored = await storedTotals(db);
  expect(stored.batches).toBe(total);
  expect(stored.batch_reads).toBe(expected.reads + total);
  expect(stored.bad).toBe(total);
  expect(stored.raw).toBe(expected.reads);
  expect(stored.passages).toBe(expected.passages);
  for (const [k, n] of expected.passagesByKey)
    if (stored.passagesByKey.get(k) !== n) throw new Error(`passages of ${k}: stored ${stored.passagesByKey.get(k)}, expected ${n}`);
  expect(stored.counts.size).toBe(expected.counts.size);
  for (const [k, n] of expected.counts) if (stored.counts.get(k) !== n) throw new Error(`count ${k}: stored ${stored.counts.get(k)}, expected ${n}`);
  expect(stored.laneCountRows).toBeGreaterThan(0);
  expect(stored.laneCountMismatches).toBe(0);
}, 180_000);
