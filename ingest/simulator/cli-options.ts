import { parseArgs } from "node:util";
import { TollwayError } from "../../core/errors/tollway-error.ts";
import type { CapacitySpec, IncidentSpec } from "./traffic-model.ts";

/** `bun run sim` flags, parsed and checked (pure: tested without starting anything). */
export interface SimCliOptions {
  /** --endpoint a,b: the ingest instances, in order (undefined: INGEST_ENDPOINTS, else INGEST_BIND). */
  endpoints: string[] | undefined;
  seed: string;
  vehiclesPerHour: number;
  acceleration: number;
  /** Undefined: run until SIGTERM. */
  durationMs: number | undefined;
  startMs: number | undefined;
  /** Simulated time run before the start without sending, so the roads are not empty at first. */
  warmupMs: number;
  malformedRate: number;
  duplicateRate: number;
  tagShare: number;
  registeredTags: number;
  provision: boolean;
  freeways: string[] | undefined;
  gantries: string[] | undefined;
  maxBatchReads: number;
  flushIntervalMs: number;
  maxInFlight: number;
  ackTimeoutMs: number;
  fsync: boolean;
  progressIntervalMs: number;
  /** Incidents relative to the simulation start. */
  incidents: { segment: string; offsetMs: number; durationMs: number; speedKmh?: number }[];
  /** Bottlenecks: point queues served at a capacity (speeds then depend on the volume). */
  capacities: CapacitySpec[];
  /** Drivers respond to the congestion prices published in the database (price_log), with this elasticity. */
  demandResponse: { elasticity: number } | undefined;
}

export const SIM_USAGE = `bun run sim [flags]
  --endpoint tcp://HOST:PORT[,tcp://HOST2:PORT2...]
                               ingest ROUTER(s); with several, a gantry moves to the next when one stops answering
                               (default: INGEST_ENDPOINTS, else INGEST_BIND with a wildcard host -> 127.0.0.1)
  --seed S                     PRNG seed (default 1)
  --vehicles-per-hour N        trip starts per hour on the network, day mean (default 20000)
  --acceleration X             simulated seconds per real second (default 1; "max": no pacing)
  --duration D                 simulated trip window, e.g. 90s, 30m, 2h (default: until SIGTERM)
  --start ISO                  simulated start time (default: now)
  --warmup D                   traffic simulated before the start but not sent, so roads are busy at once (default 30m)
  --malformed-rate R           share of malformed reads (default 0.002)
  --duplicate-rate R           share of passages read 2-3 times (default 0.15)
  --tag-share R                share of vehicles with a tag (default 0.94)
  --registered-tags N          tag pool registered in the DB (default 5000; 0: none)
  --no-provision               do not insert the pool's accounts/tags into the database
  --freeways 01F,03F           only these freeways
  --gantries ID,ID,...         only these gantries
  --incident SEG@START/LEN[:KMH]  capacity drop, e.g. 01F0264S>01F0293S@10m/30m:30 (repeatable)
  --capacity SEG=VPH           a bottleneck at the end of a segment, vehicles per hour, e.g. 01F0264S>01F0293S=5000 (repeatable)
  --demand-response            drivers divert or shift when the published congestion price rises (reads price_log;
                               needs DATABASE_URL and a finite --acceleration)
  --elasticity=E               elasticity of trips to the price with --demand-response, <= 0 (default -0.4)
  --batch-size N               reads per batch at most (default 500)
  --flush-ms N                 send collected reads at least this often (default 1000)
  --in-flight N                batches in flight per gantry (default 1: strictly in order)
  --ack-timeout-ms N           resend after this long without an ack (default 3000)
  --no-fsync                   do not fsync the outbox (faster; survives crashes, not power loss)
  --progress-ms N              progress line interval on stderr (default 10000)`;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "30m", "2h", "1500ms", or a bare number of seconds. */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(s.trim());
  if (!m) throw new TollwayError("bad_request", `not a duration: ${JSON.stringify(s)} (use e.g. 90s, 30m, 2h)`);
  return Math.round(Number(m[1]) * UNITS[m[2] ?? "s"]!);
}

/** "FROM>TO@START/LEN[:KMH]", START and LEN relative to the simulation start. */
export function parseIncident(s: string): SimCliOptions["incidents"][number] {
  const m = /^([0-9A-Z]{8}>[0-9A-Z]{8})@([^/]+)\/([^:]+)(?::(\d+(?:\.\d+)?))?$/.exec(s.trim());
  if (!m) throw new TollwayError("bad_request", `not an incident: ${JSON.stringify(s)} (use FROM>TO@START/LEN[:KMH], e.g. 01F0264S>01F0293S@10m/30m:30)`);
  const speed = m[4] === undefined ? undefined : Number(m[4]);
  if (speed !== undefined && !(speed > 0 && speed < 100)) throw new TollwayError("bad_request", `incident speed must be 1-99 km/h, got ${speed}`);
  return {
    segment: m[1]!,
    offsetMs: parseDuration(m[2]!.replace(/^\+/, "")),
    durationMs: parseDuration(m[3]!),
    ...(speed !== undefined ? { speedKmh: speed } : {}),
  };
}

/** "FROM>TO=VPH": a bottleneck at the segment's downstream end. */
export function parseCapacity(s: string): CapacitySpec {
  const m = /^([0-9A-Z]{8}>[0-9A-Z]{8})=(\d+)$/.exec(s.trim());
  if (!m || !(Number(m[2]) > 0))
    throw new TollwayError("bad_request", `not a capacity: ${JSON.stringify(s)} (use FROM>TO=VEHICLES_PER_HOUR, e.g. 01F0264S>01F0293S=5000)`);
  return { segment: m[1]!, vehiclesPerHour: Number(m[2]) };
}

function num(name: string, v: string | undefined, fallback: number, min: number, max: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new TollwayError("bad_request", `--${name} must be a number in [${min}, ${max}], got ${JSON.stringify(v)}`);
  return n;
}

const list = (v: string | undefined) =>
  v === undefined
    ? undefined
    : v
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean);

export function parseSimArgs(args: string[]): SimCliOptions {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    values = parseArgs({
      args,
      strict: true,
      options: {
        endpoint: { type: "string" },
        seed: { type: "string" },
        "vehicles-per-hour": { type: "string" },
        acceleration: { type: "string" },
        duration: { type: "string" },
        start: { type: "string" },
        warmup: { type: "string" },
        "malformed-rate": { type: "string" },
        "duplicate-rate": { type: "string" },
        "tag-share": { type: "string" },
        "registered-tags": { type: "string" },
        "no-provision": { type: "boolean" },
        freeways: { type: "string" },
        gantries: { type: "string" },
        incident: { type: "string", multiple: true },
        capacity: { type: "string", multiple: true },
        "demand-response": { type: "boolean" },
        elasticity: { type: "string" },
        "batch-size": { type: "string" },
        "flush-ms": { type: "string" },
        "in-flight": { type: "string" },
        "ack-timeout-ms": { type: "string" },
        "no-fsync": { type: "boolean" },
        "progress-ms": { type: "string" },
      },
    }).values;
  } catch (e) {
    throw new TollwayError("bad_request", `${(e as Error).message}\n${SIM_USAGE}`);
  }
  const s = (k: string) => values[k] as string | undefined;
  let startMs: number | undefined;
  if (s("start") !== undefined) {
    startMs = Date.parse(s("start")!);
    if (Number.isNaN(startMs)) throw new TollwayError("bad_request", `--start must be an ISO time, got ${JSON.stringify(s("start"))}`);
  }
  const endpoints = list(s("endpoint"));
  if (endpoints !== undefined && (!endpoints.length || !endpoints.every((e) => /^(tcp|ipc):\/\/.+/.test(e))))
    throw new TollwayError("bad_request", `--endpoint must be ZeroMQ endpoints such as tcp://127.0.0.1:5555 (several: comma-separated)`);
  return {
    endpoints,
    seed: s("seed") ?? "1",
    vehiclesPerHour: num("vehicles-per-hour", s("vehicles-per-hour"), 20_000, 1, 10_000_000),
    acceleration: s("acceleration") === "max" ? Infinity : num("acceleration", s("acceleration"), 1, 0.01, 1_000_000),
    durationMs: s("duration") === undefined ? undefined : parseDuration(s("duration")!),
    startMs,
    warmupMs: s("warmup") === undefined ? 1_800_000 : parseDuration(s("warmup")!),
    malformedRate: num("malformed-rate", s("malformed-rate"), 0.002, 0, 0.99),
    duplicateRate: num("duplicate-rate", s("duplicate-rate"), 0.15, 0, 1),
    tagShare: num("tag-share", s("tag-share"), 0.94, 0, 1),
    registeredTags: Math.round(num("registered-tags", s("registered-tags"), 5000, 0, 10_000_000)),
    provision: values["no-provision"] !== true,
    freeways: list(s("freeways")),
    gantries: list(s("gantries")),
    maxBatchReads: Math.round(num("batch-size", s("batch-size"), 500, 1, 10_000)),
    flushIntervalMs: num("flush-ms", s("flush-ms"), 1000, 1, 600_000),
    maxInFlight: Math.round(num("in-flight", s("in-flight"), 1, 1, 1000)),
    ackTimeoutMs: num("ack-timeout-ms", s("ack-timeout-ms"), 3000, 10, 600_000),
    fsync: values["no-fsync"] !== true,
    progressIntervalMs: num("progress-ms", s("progress-ms"), 10_000, 100, 3_600_000),
    incidents: ((values.incident as string[] | undefined) ?? []).map(parseIncident),
    capacities: ((values.capacity as string[] | undefined) ?? []).map(parseCapacity),
    demandResponse: values["demand-response"] === true ? { elasticity: num("elasticity", s("elasticity"), -0.4, -5, 0) } : undefined,
  };
}

/** Connect address for a bind address: a wildcard host means this machine. */
export function connectEndpointFor(bind: string): string {
  return bind.replace(/^tcp:\/\/(\*|0\.0\.0\.0)(?=:)/, "tcp://127.0.0.1").replace(/^tcp:\/\/\[::\](?=:)/, "tcp://[::1]");
}

/** Turns relative incidents into model incidents. */
export function incidentsAt(startMs: number, incidents: SimCliOptions["incidents"]): IncidentSpec[] {
  return incidents.map((i) => ({
    segment: i.segment,
    startMs: startMs + i.offsetMs,
    endMs: startMs + i.offsetMs + i.durationMs,
    ...(i.speedKmh !== undefined ? { speedKmh: i.speedKmh } : {}),
  }));
}
