import { afterAll, beforeAll, expect, test } from "bun:test";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";
import { freePort, gantryStream, spawnIngest, streamBody } from "./support/ingest.ts";
import { GantryClient } from "../ingest/gantry-client/index.ts";

/** SIGTERM: the ingest stops reading, commits and acks what it holds, writes a stats row, exits 0. */
let tdb: TestDatabase;

beforeAll(async () => {
  tdb = await createTestDatabase();
});

afterAll(async () => {
  await tdb?.drop();
}, 60_000);

test("graceful shutdown on SIGTERM acks what is in flight and exits cleanly", async () => {
  const endpoint = `tcp://127.0.0.1:${freePort()}`;
  const proc = spawnIngest({ DATABASE_URL: tdb.url, INGEST_BIND: endpoint });
  const client = new GantryClient({ endpoint, gantryId: "01F0017N", maxInFlight: 8, ackTimeoutMs: 60_000 });
  const batches = gantryStream(0, 8, 499, Date.parse("2026-11-26T09:00:00Z")).batches;
  // Connected and warm first.
  expect((await client.send(1, streamBody(batches[0]!))).reply.status).toBe("ok");
  const acks: number[] = [];
  const sends = batches.slice(1).map((b, i) => client.send(i + 2, streamBody(b)).then((r) => acks.push(r.reply.batch!)));
  await Bun.sleep(30);
  proc.kill("SIGTERM");
  const code = await proc.exited;
  expect(code).toBe(0);
  await Promise.race([Promise.all(sends), Bun.sleep(500)]);
  client.close();
  // Whatever was acked is stored; what was not acked is not half-stored.
  const stored = await tdb.db.query<{ batch_no: number; n: number }>(
    "select b.batch_no, (select count(*)::int from passages p where p.gantry_id = b.gantry_id and p.batch_no = b.batch_no) as n from ingest_batches b order by 1",
  );
  const storedNos = stored.map((s) => s.batch_no);
  for (const a of acks) expect(storedNos).toContain(a);
  for (const s of stored) expect(s.n).toBeGreaterThan(400);
  expect(acks.length).toBeGreaterThan(0);
  const stats = await tdb.db.one<{ reads: number }>("select sum(reads)::int as reads from ingest_stats");
  expect(stats.reads).toBe(stored.length * 500);
}, 60_000);
