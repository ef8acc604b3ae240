import { afterAll, beforeAll, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Database } from "../core/db/database.ts";
import { LocalHaLayout } from "../core/ha/local-layout.ts";
import { FAILOVER_NOT_INSTALLED, pgAutoFailoverInstalled } from "../core/ha/pg-auto-failover.ts";
import { createLogger, silentLogger } from "../core/log/logger.ts";
import { SettlementService } from "../core/settlement/settlement-service.ts";
import { ApiKeyService } from "../gateway/auth/api-keys.ts";
import { parseSimArgs } from "../ingest/simulator/cli-options.ts";
import type { GroundTruth } from "../ingest/simulator/ground-truth.ts";
import { registeredPoolFor, trafficDataFor, trafficModelFor } from "../ingest/simulator/model-for-options.ts";
import { Outbox } from "../ingest/simulator/outbox.ts";
import { provisionRegisteredTags } from "../ingest/simulator/provision.ts";
import { Simulator } from "../ingest/simulator/simulator.ts";
import { startIngest, TEST_READ_WINDOW } from "./support/ingest.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

/**
 * Failover under load (`bun run test:failover`; in the suite too, ~2-3 min: it is the HA
 * acceptance test). The local HA layout (core/ha/local-layout.ts): a pg_auto_failover monitor,
 * primary and synchronous standby, two ingest processes and a gateway, all on the formation's
 * multi-host URL. `bun run sim` sends 20 simulated minutes of freeways 5 and 1H at 120x; meanwhile one ingest
 * is killed with SIGKILL, later the primary database (pg_autoctl and its PostgreSQL, SIGKILL): the
 * monitor promotes the standby and every component finds it without a restart. Afterwards every
 * batch the simulator saw acked is stored exactly once, passages, merged reads and 5-min counts
 * equal the model's ground truth, and the daily settlement (run through the gateway, after the
 * failover) equals a fault-free run of the same traffic. The last stdout line is the JSON summary.
 */
const SIM_ARGS = [
  // Two short freeways (29 gantries): trips still on the road at the end reach their last gantry within ~70 min.
  "--freeways",
  "05F,01H",
  "--start",
  "2024-03-25T08:00:00+08:00",
  "--duration",
  "20m",
  // The model's ground truth covers every generated read: none may be dropped as warm-up.
  "--warmup",
  "0",
  "--acceleration",
  "120",
  "--vehicles-per-hour",
  "40000",
  "--seed",
  "ha-failover",
  "--registered-tags",
  "1000",
  "--no-fsync",
  "--ack-timeout-ms",
  "1000",
  // Fewer, larger batches: each is a synchronously replicated commit.
  "--flush-ms",
  "2000",
  "--progress-ms",
  "10000",
];
const DAY = "2024-03-25";
const root = resolve(import.meta.dir, "..");
const verbose = process.env.FAILOVER_TEST_LOG_LEVEL;

let dir: string;
let layout: LocalHaLayout | undefined;
let db: Database | undefined;
let reference: TestDatabase | undefined;
let sim: ReturnType<typeof Bun.spawn> | undefined;
let passed = false;

beforeAll(async () => {
  // Not skipped when missing: the HA acceptance test must run (setup.sh --test installs it as root).
  if (!pgAutoFailoverInstalled()) throw new Error(FAILOVER_NOT_INSTALLED);
  dir = mkdtempSync(join(tmpdir(), "tollway-failover-"));
  chmodSync(dir, 0o755); // the database nodes run as postgres and must reach dir/ha
  layout = new LocalHaLayout({
    dir: join(dir, "ha"),
    ingestInstances: 2,
    gatewayInstances: 1,
    env: {
      LOG_LEVEL: verbose ?? "error",
      INGEST_READ_MAX_AGE_S: String(TEST_READ_WINDOW.readMaxAgeSeconds),
      INGEST_READ_MAX_AHEAD_S: String(TEST_READ_WINDOW.readMaxAheadSeconds),
      INGEST_CURVE_SECRET_KEY: "",
      INGEST_CURVE_PUBLIC_KEY: "",
      START_SIMULATOR: "false",
    },
    // Durability across the failover comes from synchronous replication, not from fsync on one machine.
    // (full_page_writes stays on: pg_rewind, which brings the old primary back as standby, needs it.)
    formation: { nodeSettings: { fsync: "off" } },
    logger: verbose ? createLogger({ level: verbose as "info", bindings: { component: "failover-test" } }) : silentLogger,
  });
  step("starting the pg_auto_failover formation, two ingest instances and a gateway");
  await layout.start();
  step(`layout ready: ${layout.formation.url}`);
  db = new Database({ url: layout.formation.url, max: 2, connectTimeoutMs: 3000, queryTimeoutMs: 5000 });
}, 180_000);

afterAll(async () => {
  sim?.kill(9);
  await db?.close().catch(() => undefined);
  // A failed run keeps the nodes' logs (pg_autoctl and PostgreSQL) for a look.
  await layout?.stop({ removeDir: passed });
  await reference?.drop();
  if (dir && passed) rmSync(dir, { recursive: true, force: true });
  else if (dir) step(`kept ${dir} (node logs in ha/*.log and ha/node*/log/)`);
}, 90_000);

const began = Date.now();
/** Progress on stderr: the run takes minutes. */
const step = (what: string) => process.stderr.write(`[failover ${((Date.now() - began) / 1000).toFixed(1)} s] ${what}\n`);

/** Counts committed batches every 100 ms through the multi-host URL (it finds the new primary too). */
class CommitWatch {
  count = 0;
  at = 0;
  private running = true;
  private readonly loop: Promise<void>;
  constructor(private readonly q: Database) {
    this.loop = this.run();
  }
  private async run() {
    while (this.running) {
      try {
        this.count = (await this.q.one<{ n: number }>("select count(*)::int as n from ingest_batches")).n;
        this.at = Date.now();
      } catch {
        // the primary is away: try again
      }
      await Bun.sleep(100);
    }
  }
  /** Waits until more than `n` batches are committed; returns when that was seen. */
  async above(n: number, timeoutMs: number, what: string): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.count <= n) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${this.count} batches committed)`);
      await Bun.sleep(20);
    }
    return this.at;
  }
  /** The count from a query that starts now (retried until the database answers). */
  async fresh(): Promise<number> {
    const start = Date.now();
    while (this.at < start) await Bun.sleep(20);
    return this.count;
  }
  async stop() {
    this.running = false;
    await this.loop;
  }
}

test("kill -9 of an ingest, then of the primary database: nothing lost or doubled, the truth and the settlement exact", async () => {
  const l = layout!;
  const q = db!;
  const o = parseSimArgs(SIM_ARGS);
  const simDir = join(dir, "sim");
  sim = Bun.spawn(["bun", "ingest/simulator/main.ts", "--endpoint", l.simulatorEndpoint(), ...SIM_ARGS], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: l.formation.url,
      DATA_DIR: simDir,
      LOG_LEVEL: verbose ?? "warn",
      INGEST_CURVE_PUBLIC_KEY: "",
      INGEST_CURVE_SECRET_KEY: "",
    },
    stdout: "pipe",
    stderr: "inherit",
  });
  const simOut = new Response(sim.stdout as ReadableStream).text();
  const watch = new CommitWatch(q);

  // 1. An ingest instance dies (SIGKILL) under load.
  await watch.above(40, 60_000, "the first batches");
  const ingestPid = l.pidOf("ingest-1");
  expect(ingestPid).toBeDefined();
  const ingestKilledAt = Date.now();
  process.kill(ingestPid!, "SIGKILL");
  // Give a commit already on its way to the server time to land; what counts is a commit after it.
  await Bun.sleep(300);
  const afterIngestKill = await watch.fresh();
  const ingestResumedAt = await watch.above(afterIngestKill, 60_000, "batches after the ingest kill");
  const resumeSecondsAfterIngestKill = (ingestResumedAt - ingestKilledAt) / 1000;
  step(`ingest-1 killed, batches committed again after ${resumeSecondsAfterIngestKill} s`);

  // 2. The primary database dies (pg_autoctl and PostgreSQL, SIGKILL); the monitor promotes the standby.
  await watch.above((await watch.fresh()) + 40, 60_000, "batches before the database failover");
  const before = await l.formation.primary();
  expect(before).toBeDefined();
  const sync = await l.formation.onNode(before!, (d) => d.one<{ s: string }>("select current_setting('synchronous_standby_names') as s"));
  expect(sync.s).toContain("ANY 1"); // an acked commit is on both servers
  const dbKilledAt = Date.now();
  await l.formation.killNode(before!);
  await Bun.sleep(300);
  const afterDbKill = await watch.fresh();
  const other = l.formation.nodeNames.find((n) => n !== before)!;
  const sampling = sampleSessions(l, other);
  const dbResumedAt = await watch.above(afterDbKill, 90_000, "batches after the database failover");
  sampling.stop();
  const resumeSecondsAfterDbFailover = (dbResumedAt - dbKilledAt) / 1000;
  step(`primary ${before} killed, batches committed again after ${resumeSecondsAfterDbFailover} s`);
  // A slow resume names what the sessions on the new primary were waiting for.
  if (resumeSecondsAfterDbFailover > 20) step(`sessions on ${other} while resuming:\n${sampling.lines.join("\n")}`);
  const after = await l.formation.primary();
  expect(after).toBeDefined();
  expect(after).not.toBe(before);
  // The old primary comes back as the new standby (pg_rewind), so commits are on two servers again.
  l.formation.restartNode(before!);

  // 3. The simulator finishes its window and drains (SIGTERM after 5 min: its summary then says what is unacked).
  step("waiting for the simulator to finish");
  const simTimer = setTimeout(() => sim?.kill("SIGTERM"), 300_000);
  const code = await sim.exited;
  clearTimeout(simTimer);
  await watch.stop();
  expect(code).toBe(0);
  const outLines = (await simOut).trim().split("\n");
  const summary = JSON.parse(outLines[outLines.length - 1]!) as { readsAcked: number; unackedBatches: number; numberCollisions: number; resends: number };
  expect(summary.unackedBatches).toBe(0);
  expect(summary.numberCollisions).toBe(0);

  // Every batch the simulator saw acked (its outbox) is stored once, with all its reads.
  const acked = ackedBatches(join(simDir, "simulator", "outbox"));
  const stored = new Map(
    (await q.query<{ k: string; reads: number }>("select gantry_id || '|' || batch_no as k, reads from ingest_batches")).map((r) => [r.k, r.reads]),
  );
  let ackedReads = 0;
  let missingReads = 0;
  for (const [k, reads] of acked) {
    ackedReads += reads;
    missingReads += Math.max(0, reads - (stored.get(k) ?? 0));
  }
  expect(ackedReads).toBe(summary.readsAcked);
  expect(stored.size).toBe(acked.size);

  // The ground truth: the same deterministic model the simulator ran.
  const data = trafficDataFor(o);
  const model = trafficModelFor(o, data, o.startMs!);
  const reads = model.reads();
  for (let r = reads.next(); !r.done; r = reads.next());
  const truth = model.truth;
  expect(ackedReads).toBe(truth.reads);
  const got = await storedAgainstTruth(q, truth);
  const lostReads = missingReads + Math.max(0, ackedReads - got.storedReads);
  const doubledReads = Math.max(0, got.storedReads - ackedReads) + Math.max(0, got.passages - truth.passages);

  step(`simulator done: ${summary.readsAcked} reads acked; checking the database against the truth`);
  // 4. Daily settlement through the gateway (after the failover) equals a fault-free run.
  const { key } = await new ApiKeyService(q).create({ name: "failover test", role: "admin" });
  const gateway = l.gateways[0]!.address;
  const res = await fetch(`${gateway}/v1/settlements/run`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ day: DAY }),
  });
  // A run is a job (202 + Location): follow it until it has finished.
  expect(res.status).toBe(202);
  const location = res.headers.get("location")!;
  const runDeadline = Date.now() + 120_000;
  let run: { status: string };
  do {
    await Bun.sleep(100);
    run = (await (await fetch(`${gateway}${location}`, { headers: { authorization: `Bearer ${key}` } })).json()) as { status: string };
  } while (run.status === "running" && Date.now() < runDeadline);
  expect(run.status).toBe("done");
  const settled = await settlementsOf(q);
  step("settled through the gateway; running the same traffic without faults for reference");
  const faultFree = await faultFreeSettlement(o, data, dir);
  expect(settled.size).toBeGreaterThan(100);
  expect(settled).toEqual(faultFree);

  await l.formation.waitForState(before!, "secondary", 90_000);
  // No component needed a restart for the failover: only the killed ingest was restarted, once.
  expect({ ingest1: l.restartsOf("ingest-1"), ingest2: l.restartsOf("ingest-2"), gateway: l.restartsOf("gateway-1") }).toEqual({
    ingest1: 1,
    ingest2: 0,
    gateway: 0,
  });

  const result = { ackedReads, lostReads, doubledReads, resumeSecondsAfterIngestKill, resumeSecondsAfterDbFailover };
  process.stderr.write(
    `failover: ${truth.passages} passages, ${summary.resends} resends, ingest ${resumeSecondsAfterIngestKill} s, database ${before} -> ${after} ${resumeSecondsAfterDbFailover} s\n`,
  );
  expect(got.mismatches).toEqual([]);
  expect(lostReads).toBe(0);
  expect(doubledReads).toBe(0);
  passed = true;
  console.log(JSON.stringify(result));
}, 420_000);

/** Every second: the node states and what the Tollway sessions on `node` wait for (diagnostics of a slow failover). */
function sampleSessions(l: LocalHaLayout, node: string) {
  const lines: string[] = [];
  let running = true;
  void (async () => {
    while (running) {
      const states = await l.formation.states().catch(() => []);
      const sessions = await l.formation
        .onNode(node, (d) =>
          d.query<{ s: string }>(
            `select application_name || ' ' || state || ' ' || coalesce(wait_event_type || ':' || wait_event, '-') || ' xact ' ||
                    coalesce(round(extract(epoch from now() - xact_start))::text, '-') || 's ' || left(regexp_replace(query, '\s+', ' ', 'g'), 40) as s
               from pg_stat_activity where application_name like 'tollway%' and state <> 'idle'`,
          ),
        )
        .catch((e) => [{ s: String(e).slice(0, 100) }]);
      lines.push(
        `${new Date().toISOString().slice(11, 23)} ${states.map((n) => `${n.name}:${n.reported}/${n.goal}`).join(" ")} | ${sessions.map((r) => r.s).join("; ")}`,
      );
      await Bun.sleep(1000);
    }
  })();
  return { lines, stop: () => (running = false) };
}

/** gantry|batch -> reads of every batch the simulator marked acked in its outbox. */
function ackedBatches(outboxDir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of readdirSync(outboxDir).filter((x) => x.endsWith(".log"))) {
    const gantry = f.slice(0, -4);
    const bodies = new Map<string, number>();
    for (const line of readFileSync(join(outboxDir, f), "utf8").split("\n")) {
      const [kind, batch, body] = line.split("\t");
      // A compacted log no longer holds acked bodies: the run stays below the 2000 acks per gantry that trigger it.
      if (kind === "N") throw new Error(`outbox of ${gantry} was compacted: run fewer batches per gantry`);
      if (kind === "B" && body !== undefined) bodies.set(batch!, (JSON.parse(body) as unknown[]).length);
      if (kind === "A") out.set(`${gantry}|${batch}`, bodies.get(batch!) ?? 0);
    }
  }
  return out;
}

/** What is stored against the model's truth; `mismatches` names every difference. */
async function storedAgainstTruth(q: Database, truth: GroundTruth) {
  const p = await q.one<{ n: number; raw: number; accounts: number; dead: number }>(
    `select count(*)::int as n, coalesce(sum(raw_reads), 0)::int as raw, count(account_id)::int as accounts,
            (select count(*)::int from dead_letters where read_index is not null) as dead from passages`,
  );
  const mismatches: string[] = [];
  const check = (what: string, got: number, want: number) => got !== want && mismatches.push(`${what}: stored ${got}, truth ${want}`);
  check("passages", p.n, truth.passages);
  check("merged reads", p.raw, truth.passages + truth.duplicates);
  check("passages with an account", p.accounts, truth.registeredPassages);
  check("dead-lettered reads", p.dead, truth.malformedTotal);
  const counts = await q.query<{ k: string; v: number }>(
    "select extract(epoch from bucket)::bigint * 1000 || '|' || gantry_id || '|' || vehicle_class as k, volume as v from vehicle_counts where source = 'ingest'",
  );
  const stored = new Map(counts.map((r) => [r.k, r.v]));
  const want = new Map(truth.countRows().map((r) => [`${r.bucketMs}|${r.gantryId}|${r.vehicleClass}`, r.volume]));
  for (const [k, v] of want) if (stored.get(k) !== v) mismatches.push(`5-min count ${k}: stored ${stored.get(k) ?? 0}, truth ${v}`);
  for (const [k, v] of stored) if (!want.has(k)) mismatches.push(`5-min count ${k}: stored ${v}, not in the truth`);
  return { passages: p.n, storedReads: p.raw + p.dead, mismatches: mismatches.slice(0, 20) };
}

async function settlementsOf(q: Database): Promise<Map<string, string>> {
  const rows = await q.query<{ vehicle_key: string; passages: number; payable_tenths: number }>(
    "select vehicle_key, passages, payable_tenths from settlements where local_day = $1",
    [DAY],
  );
  return new Map(rows.map((r) => [r.vehicle_key, `${r.passages} passages, ${r.payable_tenths} tenths`]));
}

/** The same traffic without faults: one in-process ingest on a fresh database, then the day settled. */
async function faultFreeSettlement(o: ReturnType<typeof parseSimArgs>, data: ReturnType<typeof trafficDataFor>, base: string) {
  reference = await createTestDatabase();
  await provisionRegisteredTags(reference.db, registeredPoolFor(o, data));
  const ingest = await startIngest(reference.db);
  try {
    const summary = await new Simulator({
      endpoint: ingest.endpoint,
      reads: trafficModelFor(o, data, o.startMs!).reads(),
      simStartMs: o.startMs!,
      outbox: new Outbox(join(base, "reference-outbox"), { fsync: false }),
      acceleration: Infinity,
    }).run();
    expect(summary.unackedBatches).toBe(0);
  } finally {
    await ingest.stop();
  }
  await new SettlementService(reference.db, { timeZone: "Asia/Taipei" }).runDay(DAY, { triggeredBy: "failover test" });
  return settlementsOf(reference.db);
}
