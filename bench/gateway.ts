import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { runMain } from "../core/cli/main.ts";
import { Database } from "../core/db/database.ts";
import { DatabaseServer } from "../core/db/database-server.ts";
import { Migrator, defaultSqlDir } from "../core/migrate/migrator.ts";
import { Seeder } from "../core/seed/seeder.ts";
import { ApiKeyService } from "../gateway/auth/api-keys.ts";
import { type ListsOptions, measureLists, prepareLists } from "./gateway-lists.ts";

/**
 * `bun run bench:gateway`: passage lookup by tag (GET /v1/passages?tagId=...) over >= 10 million
 * passages, under a load generator on loopback.
 *
 * 1. A dedicated database (tollway_bench_gateway on the server of BENCH_ADMIN_DATABASE_URL, default
 *    postgres@127.0.0.1:5432) is migrated, seeded with the real network and filled with
 *    generate_series passages (indexes dropped during the load and rebuilt after). It is kept between
 *    runs and reused when it already holds the requested number of passages (--fresh rebuilds it).
 * 2. `bun run gateway` is started on a free loopback port as its own process.
 * 3. N concurrent connections each loop: pick a random tag, GET its newest page of passages; for
 *    --seconds after a warm-up, or until --requests.
 * 4. The limit, in the same run: the same lookup straight against PostgreSQL over N pooled
 *    connections (no HTTP, no auth, no JSON), for the same time; the HTTP rate is reported as a
 *    ratio of it.
 * Progress goes to stderr; the last stdout line is one JSON object.
 *
 * Options: --passages 10000000 --tags 200000 --concurrency 16 --seconds 15 --requests 1000000 --limit 20 --fresh
 *
 * `--lists [--vehicles 3600000 --history-days 365 --history-per-day 30000 --per-route 400]`: instead, the
 * list routes' p50/p99 over a national day and a year of settlement history (bench/gateway-lists.ts).
 */
const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    passages: { type: "string", default: "10000000" },
    tags: { type: "string", default: "200000" },
    concurrency: { type: "string", default: "16" },
    seconds: { type: "string", default: "15" },
    warmup: { type: "string", default: "3" },
    requests: { type: "string", default: "1000000" },
    limit: { type: "string", default: "20" },
    fresh: { type: "boolean", default: false },
    lists: { type: "boolean", default: false },
    vehicles: { type: "string", default: "3600000" },
    "history-days": { type: "string", default: "365" },
    "history-per-day": { type: "string", default: "30000" },
    "per-route": { type: "string", default: "400" },
  },
});

const int = (name: string, v: string | undefined, min: number) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}`);
  return n;
};

const PASSAGES = int("passages", values.passages, 1);
const TAGS = int("tags", values.tags, 1);
const CONCURRENCY = int("concurrency", values.concurrency, 1);
const SECONDS = int("seconds", values.seconds, 1);
const WARMUP = int("warmup", values.warmup, 0);
const MAX_REQUESTS = int("requests", values.requests, 1);
const LIMIT = int("limit", values.limit, 1);
const DB_NAME = "tollway_bench_gateway";
const CHUNK = 1_000_000;

const progress = (msg: string) => process.stderr.write(`bench:gateway ${msg}\n`);
/** Tag i as the 24-hex-digit EPC the generator writes. */
const tagOf = (i: number) => `E28011606000${i.toString(16).toUpperCase().padStart(12, "0")}`;

async function prepare(adminUrl: string): Promise<string> {
  const server = new DatabaseServer(adminUrl);
  const url = server.urlOf(DB_NAME);
  const exists = await server.exists(DB_NAME);
  if (exists && !values.fresh) {
    const db = new Database({ url, max: 2 });
    try {
      const ok = await db
        .maybeOne<{ n: number; tags: number }>(
          `select (select count(*) from passages)::bigint as n, (select value from bench_meta where key = 'tags')::bigint as tags`,
        )
        .catch(() => undefined);
      if (ok && ok.n === PASSAGES && ok.tags === TAGS) {
        progress(`reusing ${DB_NAME}: ${ok.n} passages, ${ok.tags} tags`);
        return url;
      }
    } finally {
      await db.close();
    }
  }
  await server.drop(DB_NAME);
  await server.create(DB_NAME);
  const db = new Database({ url, max: 2 });
  try {
    progress("migrating and seeding the network");
    await new Migrator({ db, sqlDir: defaultSqlDir, timescaledb: "off", tollTimezone: "Asia/Taipei" }).run();
    await new Seeder(db).run();
    const gantries = (await db.query<{ id: string }>("select id from gantries order by id")).map((r) => r.id);
    // Bulk load without indexes, then build them once: several times faster than maintaining them row by row.
    const indexes = await db.query<{ indexname: string; indexdef: string }>(
      `select indexname, indexdef from pg_indexes where schemaname = 'public' and tablename = 'passages'`,
    );
    for (const ix of indexes) await db.query(`drop index ${ix.indexname}`);
    await db.query("alter table passages set (autovacuum_enabled = false)");
    const started = performance.now();
    for (let from = 1; from <= PASSAGES; from += CHUNK) {
      const to = Math.min(PASSAGES, from + CHUNK - 1);
      // Tag i passes about PASSAGES/TAGS times over September 2026 (local), at a gantry spread over the network.
      await db.query(
        `insert into passages (ts, gantry_id, tag_id, read_class, vehicle_class, account_id, posted_price_tenths, batch_no, received_at)
         select timestamptz '2026-08-31 16:00:00+00' + ((i * 7919) % 2592000) * interval '1 second' + (i % 1000) * interval '1 millisecond',
                ($3::text[])[1 + (i * 31) % array_length($3::text[], 1)],
                'E28011606000' || lpad(upper(to_hex(i % $4)), 12, '0'),
                31, 31, null, 10 + (i % 90), 1 + i / 1000, now()
         from generate_series($1::bigint, $2::bigint) as i`,
        [from, to, gantries, TAGS],
      );
      const rate = Math.round(to / ((performance.now() - started) / 1000));
      progress(`passages ${to}/${PASSAGES} (${rate} rows/s)`);
    }
    for (const ix of indexes) {
      progress(`building ${ix.indexname}`);
      await db.query(ix.indexdef);
    }
    await db.query("alter table passages reset (autovacuum_enabled)");
    progress("vacuum analyze passages");
    await db.query("vacuum analyze passages");
    await db.query("create table bench_meta (key text primary key, value bigint not null)");
    await db.query("insert into bench_meta values ('tags', $1)", [TAGS]);
    progress(`loaded ${PASSAGES} passages in ${Math.round((performance.now() - started) / 1000)} s`);
  } finally {
    await db.close();
  }
  return url;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** `bun run gateway` on a free loopback port as its own process, once it says where it listens. */
async function startGateway(url: string): Promise<{ baseUrl: string; stop(): Promise<void> }> {
  progress("starting bun run gateway");
  const gateway = Bun.spawn(["bun", "run", "gateway/main.ts"], {
    cwd: new URL("..", import.meta.url).pathname,
    env: {
      ...process.env,
      DATABASE_URL: url,
      GATEWAY_HOST: "127.0.0.1",
      GATEWAY_PORT: "0",
      LOG_LEVEL: "info",
      DATABASE_POOL_MAX: String(Math.min(CONCURRENCY, 16)),
      // The benchmark measures lookups, not the limiter.
      GATEWAY_RATE_LIMIT_PER_SECOND: "100000",
      GATEWAY_RATE_LIMIT_BURST: "1000000",
    },
    stderr: "pipe",
    stdout: "ignore",
  });
  // Read the gateway's log only until it says where it listens; access-log lines after that are drained.
  const baseUrl = await (async () => {
    const decoder = new TextDecoder();
    let buf = "";
    const reader = gateway.stderr.getReader();
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value);
      const m = buf.match(/"msg":"gateway listening"[^\n]*"url":"(http:\/\/[^"]+)"/);
      if (m) {
        (async () => {
          while (!(await reader.read()).done) {
            /* drain */
          }
        })();
        return m[1]!;
      }
    }
    throw new Error(`gateway did not start:\n${buf.slice(-2000)}`);
  })();
  return {
    baseUrl,
    stop: async () => {
      gateway.kill("SIGTERM");
      await gateway.exited;
    },
  };
}

await runMain("bench:gateway", async ({ logger }) => {
  const adminUrl = process.env.BENCH_ADMIN_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  if (values.lists) return lists(adminUrl);
  const url = await prepare(adminUrl);

  const db = new Database({ url, max: 2, logger });
  const { key } = await new ApiKeyService(db).create({ name: `bench ${new Date().toISOString()}`, role: "auditor" });
  await db.close();

  const gateway = await startGateway(url);
  const baseUrl = gateway.baseUrl;
  progress(`gateway at ${baseUrl}`);

  try {
    const headers = { authorization: `Bearer ${key}` };
    let sent = 0;
    let errors = 0;
    let rows = 0;
    const latencies: number[] = [];
    let measuring = false;
    const worker = async (deadline: number) => {
      while (performance.now() < deadline && sent < MAX_REQUESTS) {
        sent++;
        const tag = tagOf(Math.floor(Math.random() * TAGS));
        const t0 = performance.now();
        const res = await fetch(`${baseUrl}/v1/passages?tagId=${tag}&limit=${LIMIT}`, { headers });
        const body = (await res.json()) as { items?: unknown[] };
        const ms = performance.now() - t0;
        if (res.status !== 200 || !body.items) errors++;
        else if (measuring) {
          latencies.push(ms);
          rows += body.items.length;
        }
      }
    };
    if (WARMUP > 0) {
      progress(`warm-up ${WARMUP} s`);
      const until = performance.now() + WARMUP * 1000;
      await Promise.all(Array.from({ length: CONCURRENCY }, () => worker(until)));
    }
    sent = 0;
    errors = 0;
    measuring = true;
    progress(`measuring: ${CONCURRENCY} connections for ${SECONDS} s (at most ${MAX_REQUESTS} requests)`);
    const started = performance.now();
    const ticker = setInterval(() => progress(`${latencies.length} requests, ${errors} errors`), 5000);
    await Promise.all(Array.from({ length: CONCURRENCY }, () => worker(started + SECONDS * 1000)));
    clearInterval(ticker);
    const elapsed = (performance.now() - started) / 1000;

    // The physical limit: the same query on the database directly, same concurrency, same duration.
    progress(`limit: the same lookup straight on PostgreSQL, ${CONCURRENCY} connections for ${SECONDS} s`);
    const direct = new Database({ url, max: CONCURRENCY, applicationName: "bench-gateway-direct" });
    let directCount = 0;
    let directRps = 0;
    const directLatencies: number[] = [];
    try {
      const directWorker = async (deadline: number) => {
        while (performance.now() < deadline) {
          const t0 = performance.now();
          await direct.query(
            `select id, ts, gantry_id, tag_id, plate, plate_confidence, lane, read_class, vehicle_class, account_id, tariff_id,
                    posted_price_tenths, (extract(epoch from ts) * 1000000)::bigint as ts_us
               from passages where tag_id = $1 order by ts desc, id desc limit $2`,
            [tagOf(Math.floor(Math.random() * TAGS)), LIMIT + 1],
          );
          directLatencies.push(performance.now() - t0);
          directCount++;
        }
      };
      const directStarted = performance.now();
      await Promise.all(Array.from({ length: CONCURRENCY }, () => directWorker(directStarted + SECONDS * 1000)));
      directRps = directCount / ((performance.now() - directStarted) / 1000);
    } finally {
      await direct.close();
    }
    const directSorted = Float64Array.from(directLatencies).sort();
    const sorted = Float64Array.from(latencies).sort();
    const round = (n: number) => Math.round(n * 100) / 100;
    const result = {
      benchmark: "gateway passage lookup by tag",
      passages: PASSAGES,
      tags: TAGS,
      concurrency: CONCURRENCY,
      pageSize: LIMIT,
      seconds: round(elapsed),
      requests: latencies.length,
      errors,
      rowsPerResponse: round(rows / Math.max(1, latencies.length)),
      p50Ms: round(percentile(sorted, 50)),
      p90Ms: round(percentile(sorted, 90)),
      p99Ms: round(percentile(sorted, 99)),
      maxMs: round(sorted.at(-1) ?? Number.NaN),
      requestsPerSecond: round(latencies.length / elapsed),
      directQueriesPerSecond: round(directRps),
      directP50Ms: round(percentile(directSorted, 50)),
      ratioToDirect: round(latencies.length / elapsed / directRps),
    };
    progress(
      `done: ${result.requests} requests, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ${result.requestsPerSecond} req/s, ${errors} errors; straight on PostgreSQL ${result.directQueriesPerSecond} queries/s (ratio ${result.ratioToDirect})`,
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return errors > 0 ? 1 : 0;
  } finally {
    await gateway.stop();
  }
});

async function lists(adminUrl: string): Promise<number> {
  const o: ListsOptions = {
    vehicles: int("vehicles", values.vehicles, 1),
    historyDays: int("history-days", values["history-days"], 0),
    historyPerDay: int("history-per-day", values["history-per-day"], 1),
    perRoute: int("per-route", values["per-route"], 1),
    fresh: values.fresh ?? false,
  };
  const url = await prepareLists(new DatabaseServer(adminUrl), o, progress);
  const db = new Database({ url, max: 2 });
  const { key } = await new ApiKeyService(db).create({ name: `bench lists ${new Date().toISOString()}`, role: "admin" });
  const sizes = await db.one<{ settlements: number; passages: number; plate_bills: number; ledger_entries: number }>(
    `select (select reltuples from pg_class where relname = 'settlements')::bigint as settlements,
            (select reltuples from pg_class where relname = 'passages')::bigint as passages,
            (select reltuples from pg_class where relname = 'plate_bills')::bigint as plate_bills,
            (select reltuples from pg_class where relname = 'ledger_entries')::bigint as ledger_entries`,
  );
  await db.close();
  const gateway = await startGateway(url);
  try {
    const routes = await measureLists(url, gateway.baseUrl, key, o, progress);
    const worst = Math.max(...Object.values(routes).map((r) => r.p99Ms));
    const errors = Object.values(routes).reduce((a, r) => a + r.errors, 0);
    process.stdout.write(
      `${JSON.stringify({ benchmark: "gateway list routes", ...sizes, historyDays: o.historyDays, worstP99Ms: worst, errors, routes, loadAvg: loadavg() })}\n`,
    );
    return errors > 0 ? 1 : 0;
  } finally {
    await gateway.stop();
  }
}
