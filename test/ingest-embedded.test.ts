import { afterAll, beforeAll, expect, test } from "bun:test";
import { Database } from "../core/db/database.ts";
import { Migrator, defaultSqlDir } from "../core/migrate/migrator.ts";
import { Seeder } from "../core/seed/seeder.ts";
import type { IngestService } from "../ingest/service/ingest-service.ts";
import { RawGantry, header, startIngest, tagOf } from "./support/ingest.ts";
import { startEmbeddedPostgres, type EmbeddedTestServer } from "./support/embedded.ts";

/** The ingest on the embedded PostgreSQL 17 (the `bun run start` default): binary COPY, as in production. */
let embedded: EmbeddedTestServer;
let db: Database;
let ingest: IngestService | undefined;
let gantry: RawGantry | undefined;

beforeAll(async () => {
  embedded = await startEmbeddedPostgres();
  db = new Database({ url: embedded.url, max: 4 });
  await new Migrator({ db, sqlDir: defaultSqlDir, timescaledb: "off", tollTimezone: "Asia/Taipei" }).run();
  await new Seeder(db).run();
}, 120_000);

afterAll(async () => {
  gantry?.close();
  await ingest?.stop();
  await db?.close();
  await embedded?.stop();
}, 60_000);

test("stores, prices, counts and dead-letters on the embedded PostgreSQL", async () => {
  expect((await db.one<{ v: number }>("select current_setting('server_version_num')::int as v")).v).toBeGreaterThanOrEqual(170000);
  expect(db.bulkMode).toBe("copy");
  ingest = await startIngest(db);
  gantry = new RawGantry(ingest.endpoint);
  const t = Date.parse("2026-11-26T08:00:00Z");
  const iso = (ms: number) => new Date(ms).toISOString();
  const reads = [
    { tag: tagOf(1), ts: iso(t), class: 31, lane: 1 },
    { tag: tagOf(1), ts: iso(t + 300), class: 31, lane: 1 },
    { plate: "ABC-1234", ts: iso(t + 1000), class: 42, conf: 0.8 },
    { tag: "bad", ts: iso(t), class: 31 },
  ];
  const r = await gantry.request(["TR1", header("01F0017N", 1), JSON.stringify(reads)]);
  expect(r).toMatchObject({ batch: 1, status: "ok", accepted: 3, rejected: 1 });
  const again = await gantry.request(["TR1", header("01F0017N", 1), JSON.stringify(reads)]);
  expect(again.status).toBe("duplicate");
  const rows = await db.query<{ raw_reads: number; posted_price_tenths: number | null }>("select raw_reads, posted_price_tenths from passages order by ts");
  expect(rows.map((x) => x.raw_reads)).toEqual([2, 1]);
  expect(rows.every((x) => x.posted_price_tenths !== null && x.posted_price_tenths > 0)).toBe(true);
  const v = await db.one<{ v: number }>("select sum(volume)::int as v from vehicle_counts");
  expect(v.v).toBe(2);
  const dl = await db.one<{ n: number }>("select count(*)::int as n from dead_letters");
  expect(dl.n).toBe(1);
  const bad = await gantry.request(["TR1", "{", "[]"]);
  expect(bad.status).toBe("rejected");
  expect((await db.one<{ n: number }>("select count(*)::int as n from dead_letters where raw is not null")).n).toBe(1);
}, 60_000);
