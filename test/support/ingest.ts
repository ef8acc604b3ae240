import { afterAll, beforeAll } from "bun:test";
import { loadConfig } from "../../core/config/config.ts";
import { freeLocalPort } from "../../core/embedded/embedded-postgres.ts";
import { createLogger, silentLogger } from "../../core/log/logger.ts";
import type { Database } from "../../core/db/database.ts";
import { IngestService, type IngestServiceOptions } from "../../ingest/service/ingest-service.ts";
import { Context, type CurveKeyPair, curveKeypair, Dealer, Reactor, type DealerCurve, type Frame } from "../../ingest/zmq/index.ts";
import type { Tr1Reply } from "../../ingest/protocol/tr1.ts";
import { createTestDatabase, type TestDatabase } from "./test-database.ts";

/** Helpers for the ingest integration tests (real sockets, real PostgreSQL). */

/**
 * The tests replay fixed days (2024-03-25, 2026-11-26): a read-time window that holds them (the
 * default, 7 days back and 300 s ahead, is tested in ingest-read-window.test.ts).
 */
export const TEST_READ_WINDOW = { readMaxAgeSeconds: 5 * 365 * 86_400, readMaxAheadSeconds: 365 * 86_400 };

export async function startIngest(db: Database, opts: Partial<IngestServiceOptions> = {}): Promise<IngestService> {
  const level = process.env.INGEST_TEST_LOG_LEVEL as "debug" | "info" | "warn" | "error" | undefined;
  const logger = level ? createLogger({ level, bindings: { component: "ingest-test" } }) : silentLogger;
  const s = new IngestService({ db, logger, bind: "tcp://127.0.0.1:*", duplicateWindowSeconds: 60, statsIntervalMs: 60_000, ...TEST_READ_WINDOW, ...opts });
  await s.start();
  return s;
}

/** What one test file of the hardening tests works with: its database, an ingest, a raw gantry. */
export interface IngestUnderTest {
  tdb: TestDatabase;
  ingest: IngestService;
  gantry: RawGantry;
}

/**
 * Sets up (beforeAll) and tears down (afterAll) a test database, an ingest with the production
 * read-time window (7 days back, 300 s ahead, unless `opts` says otherwise) and a raw gantry.
 */
export function useIngestWithDefaultWindow(opts: Partial<IngestServiceOptions> = {}): IngestUnderTest {
  const defaults = loadConfig({}).ingest;
  const under = {} as IngestUnderTest;
  beforeAll(async () => {
    under.tdb = await createTestDatabase();
    under.ingest = await startIngest(under.tdb.db, {
      readMaxAgeSeconds: defaults.readMaxAgeSeconds,
      readMaxAheadSeconds: defaults.readMaxAheadSeconds,
      ...opts,
    });
    under.gantry = new RawGantry(under.ingest.endpoint);
  });
  afterAll(async () => {
    under.gantry?.close();
    await under.ingest?.stop();
    await under.tdb?.drop();
  }, 60_000);
  return under;
}

/** A test file of the CURVE tests: its database, two registered gantry keys, an ingest with CURVE on. */
export interface CurveIngestUnderTest {
  tdb: TestDatabase;
  ingest: IngestService;
  server: CurveKeyPair;
  /** Registered for 01F0017N. */
  north: CurveKeyPair;
  /** Registered for 01F0005S. */
  south: CurveKeyPair;
  /** A raw gantry connecting with these keys (closed after the file). */
  gantryWith(keys: CurveKeyPair): RawGantry;
}

export function useCurveIngest(opts: Partial<IngestServiceOptions> = {}): CurveIngestUnderTest {
  const opened: RawGantry[] = [];
  const under = {
    gantryWith(keys: CurveKeyPair) {
      const g = new RawGantry(under.ingest.endpoint, { serverKey: under.server.publicKey, ...keys });
      opened.push(g);
      return g;
    },
  } as CurveIngestUnderTest;
  beforeAll(async () => {
    under.tdb = await createTestDatabase();
    under.server = curveKeypair();
    under.north = curveKeypair();
    under.south = curveKeypair();
    await under.tdb.db.query("insert into gantry_keys (gantry_id, curve_public_key) values ('01F0017N', $1), ('01F0005S', $2)", [
      under.north.publicKey,
      under.south.publicKey,
    ]);
    under.ingest = await startIngest(under.tdb.db, { curveSecretKey: under.server.secretKey, ...opts });
  });
  afterAll(async () => {
    for (const g of opened) g.close();
    await under.ingest?.stop();
    await under.tdb?.drop();
  }, 60_000);
  return under;
}

const text = new TextDecoder();

/** A raw DEALER for sending arbitrary (also malformed) frames and reading TR1 replies. */
export class RawGantry {
  private readonly ctx = Context.create();
  private readonly reactor = new Reactor();
  private readonly dealer: Dealer;
  readonly replies: Uint8Array[][] = [];

  constructor(endpoint: string, curve?: DealerCurve) {
    this.dealer = new Dealer(this.ctx, this.reactor, { endpoint, curve }, (f) => this.replies.push(f));
  }

  async send(frames: Frame[], timeoutMs = 5000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!this.dealer.send(frames)) {
      if (Date.now() > until) throw new Error("could not send (not connected)");
      await Bun.sleep(5);
    }
  }

  async next(timeoutMs = 10_000): Promise<Tr1Reply> {
    const until = Date.now() + timeoutMs;
    while (!this.replies.length) {
      if (Date.now() > until) throw new Error("no reply");
      await Bun.sleep(2);
    }
    const f = this.replies.shift()!;
    if (f.length !== 2 || text.decode(f[0]) !== "TR1") throw new Error("not a TR1 reply");
    return JSON.parse(text.decode(f[1])) as Tr1Reply;
  }

  async request(frames: Frame[]): Promise<Tr1Reply> {
    await this.send(frames);
    return this.next();
  }

  close(): void {
    this.dealer.close();
    this.reactor.stop();
    this.ctx.term();
  }
}

export function header(gantry: string, batch: number): string {
  return JSON.stringify({ gantry, batch, sent: new Date().toISOString() });
}

/** A deterministic 24-hex-digit tag for vehicle n. */
export const tagOf = (n: number): string => "E280" + n.toString(16).toUpperCase().padStart(20, "0");

/** Runs `bun run ingest` as a child process (for kill -9 tests). */
export function spawnIngest(env: Record<string, string>): ReturnType<typeof Bun.spawn> {
  return Bun.spawn(["bun", "run", "ingest/main.ts"], {
    cwd: new URL("../..", import.meta.url).pathname,
    env: {
      ...process.env,
      LOG_LEVEL: process.env.INGEST_TEST_LOG_LEVEL ?? "error",
      INGEST_METRICS_PORT: "0",
      INGEST_CURVE_SECRET_KEY: "",
      INGEST_CURVE_PUBLIC_KEY: "",
      INGEST_READ_MAX_AGE_S: String(TEST_READ_WINDOW.readMaxAgeSeconds),
      INGEST_READ_MAX_AHEAD_S: String(TEST_READ_WINDOW.readMaxAheadSeconds),
      ...env,
    },
    stdout: "ignore",
    stderr: "inherit",
  });
}

/** A free TCP port on 127.0.0.1 below the ephemeral range (the embedded database picks its port the same way). */
export const freePort = freeLocalPort;

export interface StreamRead {
  key: string; // "T" + tag or "P" + plate
  json: Record<string, unknown>;
  tsMs: number;
  cls: number;
  /** false: an antenna duplicate of an earlier read (merges into its passage). */
  newPassage: boolean;
}

/**
 * A deterministic stream for one gantry: reads 50 ms apart in simulated time, ~3 % antenna
 * duplicates (100 ms after the read they repeat), the last read of every batch repeated at the
 * start of the next (a duplicate across batches), some vehicles passing again 300 s later (a new
 * passage), 6 % plate-only, and one invalid read per batch.
 */
export function gantryStream(gantryIndex: number, batches: number, perBatch: number, t0: number): { batches: StreamRead[][]; invalidPerBatch: number } {
  let s = 0x9e3779b9 ^ (gantryIndex * 7919);
  const rnd = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const classes = [31, 31, 31, 32, 41, 42, 5];
  const history: { key: string; json: Record<string, unknown>; cls: number }[] = [];
  const out: StreamRead[][] = [];
  let t = t0;
  let serial = 0;
  let prev: StreamRead | undefined;
  for (let b = 0; b < batches; b++) {
    const batch: StreamRead[] = [];
    if (prev) batch.push(dupOf(prev, 100));
    while (batch.length < perBatch) {
      t += 50;
      let r: StreamRead;
      if (prev && prev.newPassage && rnd() < 0.03) r = dupOf(prev, 100);
      else if (history.length > 6000 && rnd() < 0.1) {
        const h = history[history.length - 6000]!;
        r = { key: h.key, json: { ...h.json, ts: new Date(t).toISOString() }, tsMs: t, cls: h.cls, newPassage: true };
      } else {
        serial++;
        const cls = classes[Math.floor(rnd() * classes.length)]!;
        const lane = 1 + Math.floor(rnd() * 3);
        if (rnd() < 0.06) {
          const plate = `P${gantryIndex.toString(36).toUpperCase()}-${serial}`;
          r = { key: "P" + plate, json: { plate, ts: new Date(t).toISOString(), lane, class: cls, conf: 0.9 }, tsMs: t, cls, newPassage: true };
        } else {
          const tag = tagOf(gantryIndex * 1_000_000 + serial);
          r = { key: "T" + tag, json: { tag, ts: new Date(t).toISOString(), lane, class: cls }, tsMs: t, cls, newPassage: true };
        }
      }
      if (r.newPassage) history.push({ key: r.key, json: r.json, cls: r.cls });
      batch.push(r);
      prev = r;
    }
    out.push(batch);
  }
  return { batches: out, invalidPerBatch: 1 };

  function dupOf(p: StreamRead, dt: number): StreamRead {
    const tsMs = p.tsMs + dt;
    return { key: p.key, json: { ...p.json, ts: new Date(tsMs).toISOString() }, tsMs, cls: p.cls, newPassage: false };
  }
}

/** The body of a stream batch, with its one invalid read appended. */
export const streamBody = (batch: StreamRead[]): string =>
  JSON.stringify([...batch.map((r) => r.json), { tag: "NOT-HEX", ts: "2026-11-26T00:00:00Z", class: 31 }]);

/** What the database must hold after a stream: passages per vehicle key and 5-min counts. */
export function expectedTotals(gantries: string[], streams: StreamRead[][][]) {
  const passagesByKey = new Map<string, number>();
  const counts = new Map<string, number>();
  let reads = 0;
  let passages = 0;
  streams.forEach((batches, gi) => {
    for (const batch of batches)
      for (const r of batch) {
        reads++;
        if (!r.newPassage) continue;
        passages++;
        const k = `${gantries[gi]}|${r.key}`;
        passagesByKey.set(k, (passagesByKey.get(k) ?? 0) + 1);
        const bucket = new Date(r.tsMs - (r.tsMs % 300_000)).toISOString();
        const ck = `${bucket}|${gantries[gi]}|${r.cls}`;
        counts.set(ck, (counts.get(ck) ?? 0) + 1);
      }
  });
  return { reads, passages, passagesByKey, counts };
}

/** Reads back what the ingest stored, in the shape of expectedTotals. */
export async function storedTotals(db: Database) {
  const byKey = await db.query<{ k: string; n: number }>(
    "select gantry_id || '|' || coalesce('T' || tag_id, 'P' || plate) as k, count(*)::int as n from passages group by 1",
  );
  const counts = await db.query<{ k: string; v: number }>(
    `select to_char(bucket at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '|' || gantry_id || '|' || vehicle_class as k, volume as v
       from vehicle_counts where source = 'ingest'`,
  );
  const sums = await db.one<{ passages: number; raw: number; batches: number; batch_reads: number; bad: number }>(
    `select (select count(*)::int from passages) as passages, (select coalesce(sum(raw_reads), 0)::int from passages) as raw,
            (select count(*)::int from ingest_batches) as batches, (select coalesce(sum(reads), 0)::int from ingest_batches) as batch_reads,
            (select count(*)::int from dead_letters where read_index is not null) as bad`,
  );
  // gantry_lane_counts is added to per group, like vehicle_counts: it must equal what the stored passages add up to.
  const lanes = await db.one<{ rows: number; mismatches: number }>(
    `with p as (
       select date_bin('5 minutes', ts, timestamptz '1970-01-01 00:00:00+00') as bucket, gantry_id, coalesce(lane, -1) as lane, count(*)::int as passages,
              (count(*) filter (where tag_id is null))::int as plate_only, count(plate_confidence)::int as plate_reads, coalesce(sum(plate_confidence), 0)::float8 as conf
         from passages group by 1, 2, 3)
     select (select count(*)::int from gantry_lane_counts) as rows,
            count(*) filter (where c.bucket is null or p.bucket is null or c.passages <> p.passages or c.plate_only <> p.plate_only
                                   or c.plate_reads <> p.plate_reads or abs(c.plate_conf_sum - p.conf) > 1e-3)::int as mismatches
       from p full join gantry_lane_counts c using (bucket, gantry_id, lane)`,
  );
  return {
    passagesByKey: new Map(byKey.map((r) => [r.k, r.n])),
    counts: new Map(counts.map((r) => [r.k, r.v])),
    ...sums,
    laneCountRows: lanes.rows,
    laneCountMismatches: lanes.mismatches,
  };
}

/** vehicle_counts rows (source ingest) that differ from what the stored passages add up to. */
export async function countsMatchPassages(db: Database): Promise<number> {
  const r = await db.one<{ n: number }>(
    `with p as (select date_bin('5 minutes', ts, timestamptz '1970-01-01 00:00:00+00') as bucket, gantry_id, vehicle_class, count(*)::int as n
                  from passages group by 1, 2, 3),
          c as (select bucket, gantry_id, vehicle_class, volume from vehicle_counts where source = 'ingest')
     select count(*)::int as n from p full join c using (bucket, gantry_id, vehicle_class)
      where p.n is distinct from c.volume`,
  );
  return r.n;
}

/**
 * A throwaway PostgreSQL 15 cluster (initdb + pg_ctl) on a free port, so a test can restart "the
 * database" without touching the shared CI server. Runs as the postgres user when we are root.
 */
export interface ThrowawayPostgres {
  url: string;
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

const PG_BIN = "/usr/lib/postgresql/15/bin";

async function runAsPostgres(cmd: string[]): Promise<void> {
  const argv = process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--", ...cmd] : cmd;
  const p = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe" });
  const code = await p.exited;
  if (code !== 0) throw new Error(`${cmd.join(" ")} failed (${code}): ${await new Response(p.stderr).text()}`);
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const { mkdtempSync, chownSync, rmSync } = await import("node:fs");
  const dir = mkdtempSync("/tmp/tollway-pg-");
  if (process.getuid?.() === 0) {
    const pw = (await Bun.file("/etc/passwd").text())
      .split("\n")
      .find((l) => l.startsWith("postgres:"))!
      .split(":");
    chownSync(dir, Number(pw[2]), Number(pw[3]));
  }
  const data = `${dir}/data`;
  const port = freePort();
  await runAsPostgres([`${PG_BIN}/initdb`, "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=50`;
  const start = () => runAsPostgres([`${PG_BIN}/pg_ctl`, "-D", data, "-o", opts, "-w", "-t", "60", "-l", `${dir}/log`, "start"]);
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async restart(downMs: number) {
      await runAsPostgres([`${PG_BIN}/pg_ctl`, "-D", data, "-m", "fast", "-w", "stop"]);
      await Bun.sleep(downMs);
      await start();
    },
    async stop() {
      await runAsPostgres([`${PG_BIN}/pg_ctl`, "-D", data, "-m", "immediate", "-w", "stop"]).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
