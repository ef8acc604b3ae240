import { afterAll, beforeAll, expect, test } from "bun:test";
import { Database } from "../core/db/database.ts";
import { type EmbeddedPostgres, freeLocalPort } from "../core/embedded/embedded-postgres.ts";
import { silentLogger } from "../core/log/logger.ts";
import { Migrator, defaultSqlDir } from "../core/migrate/migrator.ts";
import { Seeder } from "../core/seed/seeder.ts";
import { IngestService } from "../ingest/service/ingest-service.ts";
import { startEmbeddedPostgres, type EmbeddedTestServer } from "./support/embedded.ts";

/**
 * The ingest's /readyz tells the truth: "starting" while it waits for its database, ready once its
 * ROUTER is bound and the database answers, unavailable while the database is down, and gone
 * when the process is. A real database (the embedded one, stopped and started on a fixed port).
 */
let pg: EmbeddedTestServer;
let server: EmbeddedPostgres;
let db: Database;
let ingest: IngestService | undefined;

beforeAll(async () => {
  pg = await startEmbeddedPostgres({ port: freeLocalPort() });
  server = pg.server;
  const setup = new Database({ url: pg.url, max: 2 });
  await new Migrator({ db: setup, sqlDir: defaultSqlDir, timescaledb: "off", tollTimezone: "Asia/Taipei" }).run();
  await new Seeder(setup).run();
  await setup.close();
  db = new Database({ url: pg.url, max: 4, connectTimeoutMs: 1000, queryTimeoutMs: 5000 });
}, 120_000);

afterAll(async () => {
  await ingest?.stop();
  await db?.close();
  await pg?.stop();
}, 60_000);

async function probe(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function until(what: string, fn: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

test("readyz: starting while the database is away, ready when bound and connected, unavailable when the database goes, gone after stop", async () => {
  await server.stop();
  ingest = new IngestService({
    db,
    logger: silentLogger,
    bind: "tcp://127.0.0.1:*",
    duplicateWindowSeconds: 60,
    metricsPort: 0,
    statsIntervalMs: 60_000,
    readMaxAgeSeconds: 604_800,
    readMaxAheadSeconds: 300,
  });
  const started = ingest.start();
  const readyUrl = ingest.readyUrl!;
  const healthUrl = readyUrl.replace("/readyz", "/healthz");

  const starting = await probe(readyUrl);
  expect(starting.status).toBe(503);
  expect(starting.body).toMatchObject({ status: "unavailable", socket: "starting", database: "unreachable" });
  expect(await probe(healthUrl)).toEqual({ status: 200, body: { status: "ok" } });

  await server.start();
  await started;
  expect(await probe(readyUrl)).toEqual({ status: 200, body: { status: "ready", socket: "bound", database: "ok", inFlight: 0 } });

  await server.stop();
  await until("readyz 503", async () => (await probe(readyUrl)).status === 503);
  expect((await probe(readyUrl)).body).toMatchObject({ status: "unavailable", socket: "bound", database: "unreachable" });
  expect((await probe(healthUrl)).status).toBe(200);

  await server.start();
  await until("readyz 200 again", async () => (await probe(readyUrl)).status === 200);

  await ingest.stop();
  ingest = undefined;
  const gone = await fetch(readyUrl).then(
    (r) => r.status,
    () => "refused",
  );
  expect(gone).toBe("refused");
}, 120_000);
