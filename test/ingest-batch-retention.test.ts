import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { loadConfig } from "../core/config/config.ts";
import { IngestBatchRetention } from "../core/retention/ingest-batch-retention.ts";
import type { IngestService } from "../ingest/service/ingest-service.ts";
import { RawGantry, header, startIngest, tagOf } from "./support/ingest.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

/**
 * ingest_batches stays bounded: rows received before the resend horizon are compacted into
 * ingest_batch_hourly and deleted, while a batch inside the horizon resent to the real ingest is
 * still answered 'duplicate' (and stores nothing).
 */
const G = "01F0017N";
const HORIZON_S = 8 * 86_400;
let tdb: TestDatabase;
let ingest: IngestService;
let gantry: RawGantry;

beforeAll(async () => {
  tdb = await createTestDatabase();
  ingest = await startIngest(tdb.db, { metricsPort: 0 });
  gantry = new RawGantry(ingest.endpoint);
});
afterAll(async () => {
  gantry?.close();
  await ingest?.stop();
  await tdb?.drop();
}, 60_000);

const reads = (n: number) => JSON.stringify([{ tag: tagOf(n), ts: new Date().toISOString(), class: 31 }]);

describe("ingest_batches retention", () => {
  test("old rows leave (compacted per gantry and hour); a resend inside the horizon is still a duplicate", async () => {
    for (const b of [1, 2, 3]) expect((await gantry.request(["TR1", header(G, b), reads(b)])).status).toBe("ok");
    // Batches 1 and 2 were received past the horizon, in the same hour; batch 3 just inside it.
    await tdb.db.query(
      `update ingest_batches set received_at = case batch_no when 3 then now() - ($1 - 3600) * interval '1 second'
         else date_trunc('hour', now() - ($1 + 7200) * interval '1 second') + batch_no * interval '1 minute' end
       where gantry_id = $2`,
      [HORIZON_S, G],
    );
    const job = new IngestBatchRetention(tdb.db, { horizonSeconds: HORIZON_S, chunkRows: 1 });
    expect(await job.purge()).toEqual({ deleted: 2 });
    expect((await tdb.db.query<{ batch_no: number }>("select batch_no from ingest_batches where gantry_id = $1", [G])).map((r) => r.batch_no)).toEqual([3]);
    expect(await tdb.db.query("select gantry_id, batches::int, reads::int, accepted::int, rejected::int from ingest_batch_hourly")).toEqual([
      { gantry_id: G, batches: 2, reads: 2, accepted: 2, rejected: 0 },
    ]);
    // Inside the horizon: the resend is answered from its row (a fresh ingest: nothing in memory), nothing stored twice.
    gantry.close();
    await ingest.stop();
    ingest = await startIngest(tdb.db, { metricsPort: 0 });
    gantry = new RawGantry(ingest.endpoint);
    const passages = await tdb.db.one<{ n: number }>("select count(*)::int as n from passages");
    expect(await gantry.request(["TR1", header(G, 3), reads(3)])).toEqual({ batch: 3, status: "duplicate", accepted: 1, rejected: 0, errors: [] });
    expect(await tdb.db.one("select count(*)::int as n from passages")).toEqual(passages);
    // A second pass finds nothing more to do.
    expect(await job.purge()).toEqual({ deleted: 0 });
  });

  test("the horizon defaults to the read window + 1 day and may not be shorter than the read window", () => {
    expect(loadConfig({}).ingest.batchHorizonSeconds).toBe(7 * 86_400 + 300 + 86_400);
    expect(loadConfig({ INGEST_BATCH_HORIZON_S: "2592000" }).ingest.batchHorizonSeconds).toBe(2_592_000);
    expect(() => loadConfig({ INGEST_BATCH_HORIZON_S: "86400" })).toThrow(/INGEST_BATCH_HORIZON_S/);
  });
});
