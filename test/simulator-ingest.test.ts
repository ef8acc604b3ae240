import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IngestService } from "../ingest/service/ingest-service.ts";
import { Outbox } from "../ingest/simulator/outbox.ts";
import { provisionRegisteredTags } from "../ingest/simulator/provision.ts";
import { Simulator } from "../ingest/simulator/simulator.ts";
import { TrafficData } from "../ingest/simulator/traffic-data.ts";
import type { GroundTruth } from "../ingest/simulator/ground-truth.ts";
import { TrafficModel } from "../ingest/simulator/traffic-model.ts";
import { registeredTagPool } from "../ingest/simulator/vehicle-identities.ts";
import { startIngest } from "./support/ingest.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

// Loading the real network and TDCS days takes seconds on a loaded 2-core machine.
setDefaultTimeout(60_000);

/**
 * The simulator against the real ingest and PostgreSQL over real sockets: what the database holds
 * afterwards must equal the simulator's ground truth exactly (passages, antenna duplicates merged,
 * dead letters, 5-min counts, accounts), also when the ingest is restarted in the middle.
 */
let t: TestDatabase;
let data: TrafficData;
let dir: string;
const pool = () => registeredTagPool(1500, "it", data.dailyClassShare());

beforeAll(async () => {
  t = await createTestDatabase();
  data = TrafficData.load({ freeways: ["03F", "05F"] });
  await provisionRegisteredTags(t.db, pool());
  dir = mkdtempSync(join(tmpdir(), "tollway-sim-it-"));
}, 60_000);
afterAll(async () => {
  await t.drop();
  rmSync(dir, { recursive: true, force: true });
});

const day = Date.parse("2024-03-25T09:00:00+08:00");

async function expectDatabaseMatches(truth: GroundTruth, fromMs: number, toMs: number) {
  const range = [new Date(fromMs), new Date(toMs)];
  const p = await t.db.one<{ n: number; raw: number; accounts: number }>(
    "select count(*)::int as n, coalesce(sum(raw_reads), 0)::int as raw, count(account_id)::int as accounts from passages where ts >= $1 and ts < $2",
    range,
  );
  expect(p.n).toBe(truth.passages);
  expect(p.raw).toBe(truth.passages + truth.duplicates);
  expect(p.accounts).toBe(truth.registeredPassages);
  const counts = await t.db.query<{ bucket: Date; gantry_id: string; direction: string; vehicle_class: number; volume: number }>(
    "select bucket, gantry_id, direction, vehicle_class, volume from vehicle_counts where source = 'ingest' and bucket >= $1 and bucket < $2 order by bucket, gantry_id, vehicle_class",
    [new Date(Math.floor(fromMs / 300_000) * 300_000), range[1]],
  );
  const got = counts.map((r) => `${r.bucket.getTime()}|${r.gantry_id}|${r.direction}|${r.vehicle_class}|${r.volume}`).sort();
  const want = truth
    .countRows()
    .map((r) => `${r.bucketMs}|${r.gantryId}|${r.direction}|${r.vehicleClass}|${r.volume}`)
    .sort();
  expect(got).toEqual(want);
}

describe("simulator -> ingest -> database", () => {
  test("stores exactly what the model generated", async () => {
    const ingest = await startIngest(t.db);
    const model = new TrafficModel({
      data,
      startMs: day,
      durationMs: 900_000,
      seed: 21,
      vehiclesPerHour: 6000,
      registeredTags: pool(),
      malformedRate: 0.02,
      collectTravelTimes: false,
    });
    const sim = new Simulator({
      endpoint: ingest.endpoint,
      reads: model.reads(),
      simStartMs: day,
      outbox: new Outbox(join(dir, "one"), { fsync: false }),
      acceleration: Infinity,
      maxBatchReads: 200,
    });
    const summary = await sim.run();
    await ingest.stop();
    const truth = model.truth;
    expect(truth.passages).toBeGreaterThan(3000);
    expect(summary.readsAcked).toBe(truth.reads);
    expect(summary.unackedBatches).toBe(0);
    expect(summary.readsRejected).toBe(truth.malformedTotal);
    expect(summary.numberCollisions).toBe(0);
    await expectDatabaseMatches(truth, day, day + 86_400_000);
    const dead = await t.db.one<{ n: number }>("select count(*)::int as n from dead_letters where read_index is not null");
    expect(dead.n).toBe(truth.malformedTotal);
  }, 60_000);

  test("an ingest restart mid-stream loses nothing and stores nothing twice", async () => {
    const first = await startIngest(t.db);
    const endpoint = first.endpoint;
    const start = day + 2 * 3_600_000;
    // 20 simulated minutes (trips cut at the end) at 120x: 10 s of wall time, the ingest down in the middle.
    const model = new TrafficModel({
      data,
      startMs: start,
      durationMs: 1_200_000,
      seed: 22,
      vehiclesPerHour: 6000,
      registeredTags: pool(),
      collectTravelTimes: false,
      drain: false,
    });
    const sim = new Simulator({
      endpoint,
      reads: model.reads(),
      simStartMs: start,
      outbox: new Outbox(join(dir, "restart"), { fsync: false }),
      acceleration: 120,
      flushIntervalMs: 200,
      maxBatchReads: 100,
      ackTimeoutMs: 500,
    });
    const running = sim.run();
    await Bun.sleep(3000);
    await first.stop();
    await Bun.sleep(1500);
    let second: IngestService | undefined;
    for (let i = 0; i < 50 && !second; i++) {
      try {
        second = await startIngest(t.db, { bind: endpoint });
      } catch {
        await Bun.sleep(100); // the port may take a moment to free
      }
    }
    expect(second).toBeDefined();
    const summary = await running;
    await second!.stop();
    expect(summary.unackedBatches).toBe(0);
    expect(summary.readsAcked).toBe(model.truth.reads);
    // Batches made while the ingest was down waited for it (graceful stop: no ack was lost).
    expect(summary.ackLatencyP99Ms).toBeGreaterThan(1000);
    expect(summary.numberCollisions).toBe(0);
    await expectDatabaseMatches(model.truth, start, start + 86_400_000);
  }, 90_000);

  test("`bun run sim` stops cleanly on SIGTERM with a summary, and a second run numbers after the first", async () => {
    const ingest = await startIngest(t.db);
    const dataDir = join(dir, "cli");
    const runSim = async (seed: string) => {
      const proc = Bun.spawn(
        [
          "bun",
          join(import.meta.dir, "..", "ingest", "simulator", "main.ts"),
          "--acceleration",
          "30",
          "--freeways",
          "01H",
          "--vehicles-per-hour",
          "20000",
          "--seed",
          seed,
          "--no-fsync",
          "--registered-tags",
          "200",
          "--progress-ms",
          "500",
          "--endpoint",
          ingest.endpoint,
        ],
        { env: { ...process.env, DATABASE_URL: t.url, DATA_DIR: dataDir, LOG_LEVEL: "warn", START_SIMULATOR: "false" }, stdout: "pipe", stderr: "pipe" },
      );
      // Wait until it has delivered something, then stop it the way the launcher does.
      const before = (await t.db.one<{ n: number }>("select count(*)::int as n from ingest_batches where gantry_id like '01H%'")).n;
      for (let i = 0; i < 150; i++) {
        const n = (await t.db.one<{ n: number }>("select count(*)::int as n from ingest_batches where gantry_id like '01H%'")).n;
        if (n >= before + 20) break;
        await Bun.sleep(100);
      }
      proc.kill("SIGTERM");
      const code = await proc.exited;
      const out = (await new Response(proc.stdout).text()).trim().split("\n");
      return {
        code,
        summary: JSON.parse(out[out.length - 1]!) as {
          readsSent: number;
          readsAcked: number;
          batchesAcked: number;
          unackedBatches: number;
          numberCollisions: number;
        },
      };
    };
    const maxBatches = async () =>
      new Map(
        (
          await t.db.query<{ g: string; b: number }>("select gantry_id as g, max(batch_no) as b from ingest_batches where gantry_id like '01H%' group by 1")
        ).map((r) => [r.g, r.b]),
      );

    const first = await runSim("cli-1");
    expect(first.code).toBe(0);
    expect(first.summary.batchesAcked).toBeGreaterThan(0);
    expect(first.summary.unackedBatches).toBe(0);
    expect(first.summary.readsAcked).toBe(first.summary.readsSent);
    const afterFirst = await maxBatches();
    const firstKeys = new Set(
      (await t.db.query<{ g: string; b: number }>("select gantry_id as g, batch_no as b from ingest_batches where gantry_id like '01H%'")).map(
        (r) => `${r.g}|${r.b}`,
      ),
    );
    const stored = (await t.db.one<{ n: number }>("select count(*)::int as n from ingest_batches where gantry_id like '01H%'")).n;
    expect(stored).toBe(first.summary.batchesAcked);

    const second = await runSim("cli-2");
    await ingest.stop();
    expect(second.code).toBe(0);
    expect(second.summary.numberCollisions).toBe(0);
    // Every batch of the second run numbers after the first run's last batch of that gantry.
    const all = await t.db.query<{ g: string; b: number }>("select gantry_id as g, batch_no as b from ingest_batches where gantry_id like '01H%'");
    const fresh = all.filter((r) => !firstKeys.has(`${r.g}|${r.b}`));
    expect(fresh.length).toBe(second.summary.batchesAcked);
    for (const r of fresh) if (afterFirst.has(r.g)) expect(r.b).toBeGreaterThan(afterFirst.get(r.g)!);
    const total = (await t.db.one<{ n: number }>("select count(*)::int as n from ingest_batches where gantry_id like '01H%'")).n;
    expect(total).toBe(first.summary.batchesAcked + second.summary.batchesAcked);
  }, 90_000);

  test("a simulator killed with SIGKILL resends from its outbox: every batch it wrote reaches the database once", async () => {
    const t2 = await createTestDatabase();
    let ingest = await startIngest(t2.db);
    const endpoint = ingest.endpoint;
    const dataDir = join(dir, "kill9");
    const spawnSim = (args: string[]) =>
      Bun.spawn(
        [
          "bun",
          join(import.meta.dir, "..", "ingest", "simulator", "main.ts"),
          "--freeways",
          "01F",
          "--vehicles-per-hour",
          "20000",
          "--registered-tags",
          "0",
          "--warmup",
          "0",
          "--endpoint",
          endpoint,
          ...args,
        ],
        {
          env: { ...process.env, DATABASE_URL: t2.url, DATA_DIR: dataDir, LOG_LEVEL: "warn" },
          stdout: "pipe",
          stderr: "ignore",
        },
      );
    try {
      const first = spawnSim(["--acceleration", "60", "--start", "2024-03-25T07:00:00+08:00", "--duration", "30m", "--seed", "k1"]);
      for (let i = 0; i < 200; i++) {
        if ((await t2.db.one<{ n: number }>("select count(*)::int as n from ingest_batches")).n >= 40) break;
        await Bun.sleep(50);
      }
      // The ingest goes away, the simulator keeps writing batches it cannot deliver, then dies hard.
      await ingest.stop();
      await Bun.sleep(1500);
      first.kill("SIGKILL");
      await first.exited;
      // What run 1 wrote to its outbox before sending, and which of those it saw acknowledged.
      const written = new Map<string, number>();
      const acked = new Set<string>();
      const outboxDir = join(dataDir, "simulator", "outbox");
      for (const f of readdirSync(outboxDir).filter((x) => x.endsWith(".log"))) {
        for (const line of readFileSync(join(outboxDir, f), "utf8").split("\n")) {
          const [kind, batch, body] = line.split("\t");
          const key = `${f.slice(0, -4)}|${batch}`;
          if (kind === "B" && body !== undefined) written.set(key, (JSON.parse(body) as unknown[]).length);
          if (kind === "A") acked.add(key);
        }
      }
      const committedByRun1 = await t2.db.query<{ g: string; b: number }>("select gantry_id as g, batch_no as b from ingest_batches");
      expect(committedByRun1.length).toBeGreaterThanOrEqual(40);
      // Written before sent: nothing reached the database that is not in the outbox.
      for (const r of committedByRun1) expect(written.has(`${r.g}|${r.b}`)).toBe(true);
      const unacked = [...written.keys()].filter((k) => !acked.has(k));
      expect(unacked.length).toBeGreaterThan(0);
      ingest = await startIngest(t2.db, { bind: endpoint });

      const second = spawnSim(["--acceleration", "max", "--start", "2024-03-25T09:00:00+08:00", "--duration", "1m", "--seed", "k2"]);
      expect(await second.exited).toBe(0);
      const out = (await new Response(second.stdout).text()).trim().split("\n");
      const summary = JSON.parse(out[out.length - 1]!) as { resumedBatches: number; unackedBatches: number; numberCollisions: number };
      expect(summary.resumedBatches).toBe(unacked.length);
      expect(summary.unackedBatches).toBe(0);
      const rows = await t2.db.query<{ g: string; b: number; reads: number }>("select gantry_id as g, batch_no as b, reads from ingest_batches");
      const stored = new Map(rows.map((r) => [`${r.g}|${r.b}`, r.reads]));
      for (const [key, reads] of written) expect(stored.get(key)).toBe(reads);
    } finally {
      await ingest.stop();
      await t2.drop();
    }
  }, 120_000);
});
