import { readFileSync, readdirSync } from "node:fs";
import { runMain } from "../core/cli/main.ts";
import { Database } from "../core/db/database.ts";
import { DatabaseServer } from "../core/db/database-server.ts";
import { Migrator, defaultSqlDir } from "../core/migrate/migrator.ts";
import { Seeder } from "../core/seed/seeder.ts";
import { GantryClient } from "../ingest/gantry-client/index.ts";
import { quantile } from "../ingest/metrics/prometheus.ts";
import { passagesCopyBinary, PASSAGE_COLUMNS, type PassageValues } from "../ingest/service/passage-copy.ts";
import { Context, Reactor } from "../ingest/zmq/index.ts";

/**
 * `bun run bench:ingest [--reads=N] [--warm-up=200000] [--gantries=50] [--batch=500] [--in-flight=4] [--half-seconds=6] [--instances=1] [--profile]`
 *
 * End to end on PostgreSQL: a scratch database (created on the server of DATABASE_URL, default the
 * local one, dropped at the end), the ingest as its own process (`bun run ingest`), simulated
 * gantries sending pre-built TR1 batches (94 % tags, the rest plates, ~3 % antenna duplicates).
 *  0. warm-up: --warm-up reads at full rate, not measured (JIT, caches, connections);
 *  1. max rate: all gantries send as fast as acks allow -> reads/s;
 *  2. raw COPY of the same rows into a table shaped like passages, same database -> rows/s, ratio;
 *  3. half of the max rate, paced -> ack latency p50/p99;
 * peak RSS of the ingest process (VmHWM). Progress on stderr, one JSON line on stdout.
 * --instances N: N ingest processes on the one database, the gantries spread over them (gantry i
 * starts on instance i mod N, the others as its failover endpoints): the rates are combined, CPU
 * summed over the processes, peak RSS the largest.
 */
/** `--name=N` or `--name N`. */
const arg = (args: string[], name: string, fallback: number): number => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  if (a) return Number(a.split("=")[1]);
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
};
const log = (msg: string) => process.stderr.write(`bench:ingest ${msg}\n`);
const T0 = Date.parse("2026-11-26T00:00:00Z");
/** Reads are stamped from T0 on, a fixed day: the ingest gets a read-time window that holds them. */
const BENCH_READ_WINDOW_S = String(5 * 365 * 86_400);
const utf8 = new TextEncoder();

interface Batch {
  /** The reads as UTF-8 JSON, encoded once: the simulated gantries should cost the machine little. */
  body: Uint8Array;
  reads: number;
  /** The passages this batch makes, for the raw COPY. */
  copyRows: PassageValues[];
}

await runMain("bench-ingest", async ({ config, args }) => {
  const totalReads = arg(args, "reads", 1_000_000);
  const gantryCount = arg(args, "gantries", 50);
  const batchSize = arg(args, "batch", 500);
  const inFlight = arg(args, "in-flight", 4);
  const halfSeconds = arg(args, "half-seconds", 6);
  // The JIT compiles the hot paths during the first few hundred thousand reads (~0.6 µs of CPU a
  // read over a 1 M-read run): the sustained rate is measured after this warm-up.
  const warmUpReads = arg(args, "warm-up", 200_000);
  const instances = arg(args, "instances", 1);
  if (!(Number.isInteger(instances) && instances >= 1 && instances <= 8)) throw new Error(`--instances must be 1-8, got ${instances}`);
  const serverUrl = config.databaseUrl ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const name = `tollway_bench_${process.pid}`;
  const server = new DatabaseServer(serverUrl);
  const url = await server.create(name);
  const db = new Database({ url, max: 4 });
  const ingests: ReturnType<typeof Bun.spawn>[] = [];
  try {
    log(`setting up ${name}`);
    await new Migrator({ db, sqlDir: defaultSqlDir, timescaledb: "off", tollTimezone: "Asia/Taipei" }).run();
    await new Seeder(db).run();
    const gantries = (
      await db.query<{ gantry_id: string }>(
        "select distinct z.gantry_id from tariff_zones z join gantries g on g.id = z.gantry_id order by z.gantry_id limit $1",
        [gantryCount],
      )
    ).map((r) => r.gantry_id);
    // A registered fleet: 150 000 tags of 200 000 seen on the road.
    const pool = 200_000;
    const tag = (n: number) => "E280" + n.toString(16).toUpperCase().padStart(20, "0");
    await db.query("insert into accounts (name, kind) select 'fleet ' || g, 'fleet' from generate_series(1, 1000) g");
    await db.query(
      `insert into tags (id, account_id, vehicle_class)
       select 'E280' || lpad(upper(to_hex(g)), 20, '0'), 1 + g % 1000, (array[31,31,31,32,41,42,5])[1 + g % 7] from generate_series(0, 149999) g`,
    );

    // Pre-built batches (the clients must not be the bottleneck). Per gantry, simulated time runs
    // 250 ms per read (4 vehicles a second: a very busy gantry), so the antenna window holds what
    // it would in reality; simulated time simply runs faster than the clock.
    log(`building ${totalReads} reads`);
    // mulberry32: deterministic, so runs are comparable.
    let seed = 12345;
    const rnd = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const classes = [31, 31, 31, 31, 31, 32, 32, 41, 42, 5];
    const clock = new Map(gantries.map((g) => [g, T0]));
    const build = (g: string, n: number): Batch => {
      let t = clock.get(g)!;
      const parts: string[] = [];
      const rows: PassageValues[] = [];
      let prev: string | undefined;
      for (let i = 0; i < n; i++) {
        t += 250;
        const ts = new Date(t).toISOString();
        const cls = classes[Math.floor(rnd() * classes.length)]!;
        const lane = 1 + Math.floor(rnd() * 4);
        let json: string;
        if (prev && rnd() < 0.03)
          json = prev.replace(/"ts":"[^"]+"/, `"ts":"${ts}"`); // antenna duplicate
        else if (rnd() < 0.94) {
          const tg = tag(Math.floor(rnd() * pool));
          json = `{"tag":"${tg}","ts":"${ts}","lane":${lane},"class":${cls}}`;
          rows.push({
            ts,
            tsMs: t,
            gantry: g,
            tag: tg,
            plate: null,
            conf: null,
            lane,
            readClass: cls,
            vehicleClass: cls,
            accountId: null,
            vehicleKey: tg,
            identityConflict: false,
            tariffId: 1,
            price: 100,
            unpriced: null,
            rawReads: 1,
            batch: 1,
          });
        } else {
          const plate = `B${Math.floor(rnd() * 90000 + 10000)}-${Math.floor(rnd() * 9000 + 1000)}`.slice(0, 10);
          json = `{"plate":"${plate}","ts":"${ts}","lane":${lane},"class":${cls},"conf":0.92}`;
          rows.push({
            ts,
            tsMs: t,
            gantry: g,
            tag: null,
            plate,
            conf: 0.92,
            lane,
            readClass: cls,
            vehicleClass: cls,
            accountId: null,
            vehicleKey: `plate:${plate}`,
            identityConflict: false,
            tariffId: 1,
            price: 100,
            unpriced: null,
            rawReads: 1,
            batch: 1,
          });
        }
        parts.push(json);
        prev = json;
      }
      clock.set(g, t);
      return { body: utf8.encode("[" + parts.join(",") + "]"), reads: n, copyRows: rows };
    };
    // Warm-up reads come first in each gantry's time line: sent at full rate, not measured.
    const warmPerGantry = Math.ceil(warmUpReads / batchSize / gantries.length);
    const warmBatches = gantries.map((g) => Array.from({ length: warmPerGantry }, () => build(g, batchSize)));
    const perGantry = Math.ceil(totalReads / batchSize / gantries.length);
    const maxBatches = gantries.map((g) => Array.from({ length: perGantry }, () => build(g, batchSize)));
    const readsMax = perGantry * gantries.length * batchSize;

    // A free port below the ephemeral range (outgoing connections could take it otherwise).
    const freePort = () => {
      for (;;) {
        const port = 10000 + Math.floor(Math.random() * 22000);
        try {
          Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } }).stop(true);
          return port;
        } catch {
          // taken
        }
      }
    };
    const endpoints = Array.from({ length: instances }, () => `tcp://127.0.0.1:${freePort()}`);
    // --profile: the ingest writes a CPU profile (markdown) into .profile/ when it exits.
    const profile = args.includes("--profile") ? ["--cpu-prof", "--cpu-prof-md", "--cpu-prof-dir=.profile"] : [];
    for (const endpoint of endpoints)
      ingests.push(
        Bun.spawn(["bun", ...profile, "ingest/main.ts"], {
          env: {
            ...process.env,
            DATABASE_URL: url,
            INGEST_BIND: endpoint,
            INGEST_METRICS_PORT: "0",
            LOG_LEVEL: "warn",
            INGEST_CURVE_SECRET_KEY: "",
            INGEST_READ_MAX_AGE_S: BENCH_READ_WINDOW_S,
            INGEST_READ_MAX_AHEAD_S: BENCH_READ_WINDOW_S,
          },
          stdout: "inherit",
          stderr: "inherit",
        }),
      );
    const ctx = Context.create();
    const reactor = new Reactor(2);
    const clients = gantries.map(
      (g, i) =>
        new GantryClient({
          endpoints: endpoints.map((_, k) => endpoints[(i + k) % instances]!),
          gantryId: g,
          maxInFlight: inFlight,
          ackTimeoutMs: 30_000,
          context: ctx,
          reactor,
        }),
    );
    const batchNo = new Map(gantries.map((g) => [g, 1]));
    // Warm up: one small batch per gantry (connections, caches, JIT).
    const warmUp = Promise.all(
      clients.map((c) => c.send(batchNo.set(c.gantryId, batchNo.get(c.gantryId)! + 1).get(c.gantryId)! - 1, build(c.gantryId, 50).body)),
    );
    const exited = Promise.race(ingests.map((p) => p.exited)).then((code) => {
      throw new Error(`an ingest exited with code ${code} before it was up`);
    });
    await Promise.race([warmUp, exited]);
    exited.catch(() => undefined);
    log(
      `ingest up (pid ${ingests.map((p) => p.pid).join(", ")}); max-rate phase: ${readsMax} reads from ${gantries.length} gantries, ${batchSize}-read batches, ${inFlight} in flight each`,
    );

    let acked = 0;
    // Summed over the ingest processes.
    const rssMb = () =>
      ingests.reduce((sum, p) => {
        try {
          return sum + Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p.pid}/status`, "utf8"))?.[1] ?? 0) / 1024);
        } catch {
          return sum;
        }
      }, 0);
    // utime + stime of a process or thread from its /proc stat file, in clock ticks of 1/100 s.
    const cpuOfStat = (stat: string) => {
      const f = stat.split(") ")[1]!.split(" ");
      return (Number(f[11]) + Number(f[12])) / 100;
    };
    const cpuSeconds = () => ingests.reduce((sum, p) => sum + cpuOfStat(readFileSync(`/proc/${p.pid}/stat`, "utf8")), 0);
    // Per thread (JS main thread, the ROUTER worker, GC and runtime helpers): where the CPU goes.
    const threadCpu = () => {
      const out = new Map<string, number>();
      for (const p of ingests)
        for (const tid of readdirSync(`/proc/${p.pid}/task`)) {
          try {
            const comm = readFileSync(`/proc/${p.pid}/task/${tid}/comm`, "utf8").trim();
            out.set(`${comm}#${tid}`, cpuOfStat(readFileSync(`/proc/${p.pid}/task/${tid}/stat`, "utf8")));
          } catch {
            // the thread ended
          }
        }
      return out;
    };
    // Every gantry sends its batches, keeping up to inFlight outstanding; each must be acked "ok".
    const sendAll = (batches: Batch[][], onAck: (reads: number) => void) =>
      Promise.all(
        clients.map(async (c, i) => {
          const sends: Promise<unknown>[] = [];
          for (const b of batches[i]!) {
            const n = batchNo.get(c.gantryId)!;
            batchNo.set(c.gantryId, n + 1);
            // send() waits for a free in-flight slot; keep up to inFlight outstanding.
            const p = c.send(n, b.body).then((r) => {
              if (r.reply.status !== "ok") throw new Error(`batch ${n}: ${r.reply.status} ${r.reply.reason ?? ""}`);
              onAck(b.reads);
            });
            sends.push(p);
            if (sends.length >= inFlight) await Promise.race(sends.splice(0, 1));
          }
          await Promise.all(sends);
        }),
      );
    if (warmUpReads > 0) {
      const w0 = performance.now();
      await sendAll(warmBatches, () => undefined);
      log(`warm-up: ${warmPerGantry * gantries.length * batchSize} reads in ${((performance.now() - w0) / 1000).toFixed(2)} s (not measured)`);
    }
    const threads0 = threadCpu();
    // Whole machine, from /proc/stat: busy and total jiffies (all cores).
    const machineCpu = () => {
      const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
      const idle = f[3]! + f[4]!;
      const total = f.reduce((a, b) => a + b, 0);
      return { busy: total - idle, total };
    };
    const machine0 = machineCpu();
    // PostgreSQL server processes on this machine by kind (backend of which database, autovacuum,
    // walwriter, checkpointer...): CPU seconds, keyed by pid so ended processes still count.
    const postgresCpu = () => {
      const out = new Map<string, { kind: string; s: number }>();
      for (const pid of readdirSync("/proc")) {
        if (!/^\d+$/.test(pid)) continue;
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
          if (!stat.includes("(postgres)")) continue;
          const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
          // "postgres: 15/main: postgres tollway_bench_1 127.0.0.1(5432) COPY" or "postgres: 15/main: walwriter"
          const title = cmd.replace(/^postgres: (\S+: )?/, "");
          const words = title.split(" ");
          const kind = words.includes(name) ? "bench database backends" : /\(\d+\)/.test(title) ? "other backends" : title.replace(/ \S*\d\S*$/, "");
          out.set(pid, { kind, s: cpuOfStat(stat) });
        } catch {
          // ended
        }
      }
      return out;
    };
    const pg0 = postgresCpu();
    const self0 = process.cpuUsage();
    const progress = setInterval(() => log(`  ${acked} reads acked, ingest RSS ${rssMb()} MB`), 1000);
    const cpu0 = cpuSeconds();
    const started = performance.now();
    await sendAll(maxBatches, (reads) => {
      acked += reads;
    });
    const maxSeconds = (performance.now() - started) / 1000;
    clearInterval(progress);
    const readsPerSecond = Math.round(readsMax / maxSeconds);
    // CPU the ingest process spent per read: independent of how busy the machine is.
    const ingestCpuUsPerRead = Math.round(((cpuSeconds() - cpu0) * 1e6 * 100) / readsMax) / 100;
    const byThread: Record<string, number> = {};
    for (const [k, v] of threadCpu()) {
      const us = Math.round(((v - (threads0.get(k) ?? 0)) * 1e6 * 100) / readsMax) / 100;
      if (us >= 0.05) byThread[k] = us;
    }
    log(`ingest CPU by thread (µs a read): ${JSON.stringify(byThread)}`);
    const machine1 = machineCpu();
    const pgByKind: Record<string, number> = {};
    for (const [pid, v] of postgresCpu()) {
      const us = ((v.s - (pg0.get(pid)?.s ?? 0)) * 1e6) / readsMax;
      pgByKind[v.kind] = Math.round(((pgByKind[v.kind] ?? 0) + us) * 100) / 100;
    }
    for (const k of Object.keys(pgByKind)) if (pgByKind[k]! < 0.05) delete pgByKind[k];
    log(`PostgreSQL CPU by process kind (µs a read): ${JSON.stringify(pgByKind)}`);
    const machineBusy = Math.round(((machine1.busy - machine0.busy) / (machine1.total - machine0.total)) * 1000) / 1000;
    const selfCpu = process.cpuUsage(self0);
    const machineCpuUsPerRead = Math.round((((machine1.busy - machine0.busy) / 100) * 1e6 * 100) / readsMax) / 100;
    const clientCpuUsPerRead = Math.round(((selfCpu.user + selfCpu.system) * 100) / readsMax) / 100;
    log(`machine busy ${Math.round(machineBusy * 100)} % of all cores; CPU a read: machine ${machineCpuUsPerRead} µs, gantry clients ${clientCpuUsPerRead} µs`);
    log(`max rate: ${readsPerSecond} reads/s (${readsMax} reads in ${maxSeconds.toFixed(2)} s); ingest CPU ${ingestCpuUsPerRead} µs a read`);

    // Full scans during the run: a plan that scans passages instead of using an index shows here.
    const scans = await db.query<{ relname: string; seq_scan: number; seq_tup_read: number; idx_scan: number }>(
      "select relname, seq_scan, seq_tup_read, idx_scan from pg_stat_user_tables where relname in ('passages', 'tags', 'vehicles', 'ingest_batches', 'vehicle_counts', 'gantry_status') order by relname",
    );
    log(`table scans: ${scans.map((r) => `${r.relname} seq ${r.seq_scan} (${r.seq_tup_read} rows) idx ${r.idx_scan}`).join("; ")}`);

    // Raw COPY of the same rows into a table shaped like passages (same indexes), same database, in
    // the format the ingest uses (binary), encoded before the clock starts.
    await db.query("create table bench_raw_copy (like passages including all)");
    const copyRows = maxBatches.flat().flatMap((b) => b.copyRows);
    const copyRowsTotal = copyRows.length;
    const chunks = passagesCopyBinary(copyRows);
    const c0 = performance.now();
    await db.tx((tx) => tx.copyEncoded("bench_raw_copy", PASSAGE_COLUMNS, chunks, { binary: true }));
    const copySeconds = (performance.now() - c0) / 1000;
    const copyRowsPerSecond = Math.round(copyRowsTotal / copySeconds);
    log(`raw COPY: ${copyRowsPerSecond} rows/s (${copyRowsTotal} rows in ${copySeconds.toFixed(2)} s)`);

    // Half rate, paced: each gantry sends one batch every interval, latency from send to ack.
    const halfRate = readsPerSecond / 2;
    const intervalMs = (gantries.length * batchSize * 1000) / halfRate;
    const latencies: number[] = [];
    log(`half-rate phase: ${Math.round(halfRate)} reads/s for ${halfSeconds} s (a batch per gantry every ${intervalMs.toFixed(0)} ms)`);
    // A server checkpoint during the phase (time or WAL volume) makes the next write of every page a
    // full-page image: the latency tail is worth reading with this count beside it.
    const checkpoints = async () => Number((await db.one<{ n: string }>("select (checkpoints_timed + checkpoints_req)::text as n from pg_stat_bgwriter")).n);
    const checkpoints0 = await checkpoints();
    const h0 = performance.now();
    await Promise.all(
      clients.map(async (c, i) => {
        await Bun.sleep((i / gantries.length) * intervalMs);
        const pending: Promise<void>[] = [];
        for (let k = 0; performance.now() - h0 < halfSeconds * 1000; k++) {
          const due = h0 + (i / gantries.length) * intervalMs + k * intervalMs;
          const wait = due - performance.now();
          if (wait > 0) await Bun.sleep(wait);
          const n = batchNo.get(c.gantryId)!;
          batchNo.set(c.gantryId, n + 1);
          const b = build(c.gantryId, batchSize);
          const sentAt = performance.now();
          pending.push(
            c.send(n, b.body).then((r) => {
              if (r.reply.status !== "ok") throw new Error(`batch ${n}: ${r.reply.status} ${r.reply.reason ?? ""}`);
              latencies.push(performance.now() - sentAt);
            }),
          );
        }
        await Promise.all(pending);
      }),
    );
    latencies.sort((a, b) => a - b);
    const ackP50Ms = Math.round((quantile(latencies, 0.5) ?? 0) * 10) / 10;
    const ackP99Ms = Math.round((quantile(latencies, 0.99) ?? 0) * 10) / 10;
    const ackMaxMs = Math.round((latencies.at(-1) ?? 0) * 10) / 10;
    const halfRateCheckpoints = (await checkpoints()) - checkpoints0;
    log(
      `ack latency at half rate: p50 ${ackP50Ms} ms, p99 ${ackP99Ms} ms, max ${ackMaxMs} ms (${latencies.length} batches; server checkpoints meanwhile: ${halfRateCheckpoints})`,
    );

    const peakRssMb = Math.max(
      ...ingests.map((p) => Math.round(Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${p.pid}/status`, "utf8"))?.[1] ?? 0) / 1024)),
    );
    for (const c of clients) c.close();
    reactor.stop();
    ctx.term();
    const check = await db.one<{ reads: number; accepted: number; passages: number }>(
      "select (select sum(reads)::int8 from ingest_batches) as reads, (select sum(accepted)::int8 from ingest_batches) as accepted, (select count(*)::int8 from passages) as passages",
    );
    log(`stored: ${check.reads} reads in batches, ${check.passages} passages; ingest peak RSS ${peakRssMb} MB`);
    // What ingest_batches costs: rows and bytes (heap + indexes) per million reads, and per national
    // day (13 M reads) -- what the resend horizon (INGEST_BATCH_HORIZON_S, default 8 days) keeps.
    const batches = await db.one<{ rows: number; bytes: number }>(
      "select (select count(*) from ingest_batches)::int8 as rows, pg_total_relation_size('ingest_batches')::int8 as bytes",
    );
    const perMillion = (n: number) => Math.round((n / Math.max(1, check.reads)) * 1_000_000);
    const batchBytesPerDay = perMillion(batches.bytes) * 13;
    log(
      `ingest_batches: ${batches.rows} rows, ${batches.bytes} bytes: ${perMillion(batches.rows)} rows and ${perMillion(batches.bytes)} bytes per million reads, ~${Math.round(batchBytesPerDay / 2 ** 20)} MB per national day (13 M reads)`,
    );
    const result = {
      instances,
      readsPerSecond,
      copyRowsPerSecond,
      ratio: Math.round((readsPerSecond / copyRowsPerSecond) * 1000) / 1000,
      ackP50Ms,
      ackP99Ms,
      ackMaxMs,
      halfRateCheckpoints,
      peakRssMb,
      ingestCpuUsPerRead,
      clientCpuUsPerRead,
      machineCpuUsPerRead,
      machineBusy,
      reads: readsMax,
      warmUpReads: warmPerGantry * gantries.length * batchSize,
      gantries: gantries.length,
      batchSize,
      inFlight,
      halfRateReadsPerSecond: Math.round(halfRate),
      passagesStored: check.passages,
      batchRowsPerMillionReads: perMillion(batches.rows),
      batchBytesPerMillionReads: perMillion(batches.bytes),
      batchBytesPerNationalDay: batchBytesPerDay,
    };
    process.stdout.write(JSON.stringify(result) + "\n");
  } finally {
    for (const p of ingests) p.kill("SIGTERM");
    for (const p of ingests) await p.exited;
    await db.close();
    await server.drop(name);
  }
});
