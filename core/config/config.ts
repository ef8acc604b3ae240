import { z } from "zod";
import { parseDatabaseUrl } from "../db/multi-host.ts";
import { TollwayError } from "../errors/tollway-error.ts";

/**
 * The environment, parsed once at the edge of every program. Nothing below the CLI entry points
 * reads process.env: they receive a Config (or the slice they need) through their constructors.
 * The variable names are a contract with operators' scripts; keep them.
 */
const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const bool = (fallback: boolean) => z.stringbool().default(fallback);

// One host or libpq's list (`postgres://u@h1:5432,h2:5432/db?target_session_attrs=read-write`).
const postgresUrl = z
  .string()
  .trim()
  .superRefine((v, ctx) => {
    try {
      parseDatabaseUrl(v);
    } catch (e) {
      ctx.addIssue({ code: "custom", message: `must be a postgres:// or postgresql:// URL: ${(e as Error).message}` });
    }
  });

const zmqEndpoint = z
  .string()
  .trim()
  .refine((v) => /^(tcp|ipc|inproc):\/\/.+/.test(v), "must be a ZeroMQ endpoint such as tcp://127.0.0.1:5555");

const HUNDRED_YEARS_S = 3_155_760_000;

const z85Key = z
  .string()
  .trim()
  .regex(/^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/, "must be a 40-character Z85 CURVE key");

export const envSchema = z.object({
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_READ_URL: postgresUrl.optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  TIMESCALEDB: z.enum(["auto", "on", "off"]).default("auto"),
  DATA_DIR: z.string().trim().min(1).default(".data"),
  EMBEDDED_DB_PORT: port(0),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  TOLL_TIMEZONE: z
    .string()
    .default("Asia/Taipei")
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat("en", { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, "must be an IANA time zone such as Asia/Taipei"),

  GATEWAY_HOST: z.string().trim().min(1).default("127.0.0.1"),
  GATEWAY_PORT: port(8080),
  GATEWAY_RATE_LIMIT_PER_SECOND: z.coerce.number().min(0.001).max(100000).default(50),
  GATEWAY_RATE_LIMIT_BURST: z.coerce.number().int().min(1).max(1000000).default(100),
  GATEWAY_KEY_CACHE_MS: z.coerce.number().int().min(0).max(600000).default(5000),

  INGEST_BIND: zmqEndpoint.default("tcp://127.0.0.1:5555"),
  INGEST_METRICS_PORT: port(9464),
  // Where clients (the simulator) connect: several ingest instances, comma-separated, in order.
  INGEST_ENDPOINTS: z
    .string()
    .trim()
    .optional()
    .transform((v) =>
      v
        ? v
            .split(",")
            .map((x) => x.trim())
            .filter(Boolean)
        : undefined,
    )
    .pipe(z.array(zmqEndpoint).min(1).optional()),
  INGEST_CURVE_SECRET_KEY: z85Key.optional(),
  INGEST_CURVE_PUBLIC_KEY: z85Key.optional(),
  INGEST_DUPLICATE_WINDOW_S: z.coerce.number().int().min(0).max(3600).default(60),
  // Plausible read times around the ingest's clock; at most 100 years, so every accepted time
  // stays where binary COPY's microseconds are exact (years 1685-2255).
  INGEST_READ_MAX_AGE_S: z.coerce
    .number()
    .int()
    .min(0)
    .max(HUNDRED_YEARS_S)
    .default(7 * 86_400),
  INGEST_READ_MAX_AHEAD_S: z.coerce.number().int().min(0).max(HUNDRED_YEARS_S).default(300),
  // How long ingest_batches rows (resends answered 'duplicate') are kept; default the read window + 1 day.
  INGEST_BATCH_HORIZON_S: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 * HUNDRED_YEARS_S)
    .optional(),

  CONTROL_PERIOD_S: z.coerce.number().int().min(10).max(3600).default(300),
  CONTROL_CLOCK: z.enum(["wall", "data"]).default("wall"),
  CONTROL_BOTTLENECK_SPEED_KMH: z.coerce.number().min(1).max(200).default(64),
  CONTROL_BOTTLENECK_DROP_KMH: z.coerce.number().min(1).max(200).default(32),
  CONTROL_BOTTLENECK_WINDOW: z.coerce.number().int().min(1).max(48).default(7),
  CONTROL_BOTTLENECK_MIN_ACTIVE: z.coerce.number().int().min(1).max(48).default(5),
  CONTROL_TRIP_GAP_MIN: z.coerce.number().min(1).max(1440).default(30),
  // Incident detection from overdue tags (control/incidents/README.md); defaults as measured by its scoreboard.
  CONTROL_INCIDENT_PERIOD_S: z.coerce.number().int().min(5).max(3600).default(30),
  CONTROL_INCIDENT_OVERDUE_FACTOR: z.coerce.number().min(1).max(10).default(1.15),
  CONTROL_INCIDENT_OVERDUE_SLACK_S: z.coerce.number().min(0).max(3600).default(15),
  CONTROL_INCIDENT_RUN_FALSE_ALARMS_PER_SEGMENT_HOUR: z.coerce.number().gt(0).lt(1).default(1e-5),
  CONTROL_INCIDENT_MIN_RUN: z.coerce.number().int().min(1).max(1000).default(8),
  CONTROL_INCIDENT_MAX_RUN: z.coerce.number().int().min(1).max(1000).default(40),
  CONTROL_INCIDENT_DEVIATION_FACTOR: z.coerce.number().min(1).max(10).default(1.25),
  CONTROL_INCIDENT_CLEAR_ON_TIME: z.coerce.number().int().min(1).max(100).default(3),
  CONTROL_INCIDENT_CONFIRM_S: z.coerce.number().int().min(0).max(86400).default(180),
  CONTROL_INCIDENT_PROFILE_DAYS: z.coerce.number().int().min(1).max(366).default(28),

  START_SIMULATOR: bool(true),
  START_RESTART_MAX_DELAY_S: z.coerce.number().int().min(1).max(3600).default(30),
  START_COMPONENTS: z
    .string()
    .default("all")
    .transform((v) =>
      v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .refine(
      (list) => list.every((c) => ["all", "none", "gateway", "ingest", "control", "sim"].includes(c)),
      "must be all, none, or a comma-separated list of gateway, ingest, control, sim",
    ),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  /** Undefined means: start the embedded database (launcher only). */
  databaseUrl: string | undefined;
  /**
   * A read-only URL (a standby, or the hosts with target_session_attrs=prefer-standby) for readers
   * that may lag: Grafana's datasource. Undefined: readers use databaseUrl.
   */
  databaseReadUrl: string | undefined;
  databasePoolMax: number;
  timescaledb: "auto" | "on" | "off";
  dataDir: string;
  embeddedDbPort: number;
  logLevel: Env["LOG_LEVEL"];
  tollTimezone: string;
  gateway: {
    host: string;
    port: number;
    /** Token bucket per API key (or client address without a key). */
    rateLimit: { perSecond: number; burst: number };
    /** How long a verified API key is trusted before the database is asked again. */
    keyCacheMs: number;
  };
  ingest: {
    bind: string;
    /** INGEST_ENDPOINTS: the ingest instances clients connect to, in order (undefined: INGEST_BIND's address). */
    endpoints: string[] | undefined;
    metricsPort: number;
    /** The HTTP endpoint (/metrics, /healthz, /readyz) listens where the gantry port does: its IP, else all interfaces. */
    metricsHost: string;
    curve: { secretKey: string; publicKey: string | undefined } | undefined;
    duplicateWindowSeconds: number;
    /** Reads stamped more than this long before the ingest's clock are dead-lettered. */
    readMaxAgeSeconds: number;
    /** ... or more than this far ahead of it. */
    readMaxAheadSeconds: number;
    /** ingest_batches rows older than this are compacted away; at least the read window, so any resend that could still be stored is a duplicate. */
    batchHorizonSeconds: number;
  };
  control: {
    periodMs: number;
    /** wall: compute up to now; data: up to the newest stored read (replays, accelerated simulations). */
    clock: "wall" | "data";
    /** PeMS bottleneck rule: upstream below speedKmh, downstream faster by more than dropKmh, in minActive of window intervals. */
    bottleneck: { speedKmh: number; dropKmh: number; window: number; minActive: number };
    /** A trip ends after this long without a read. */
    tripGapMs: number;
    /** Incident detection from overdue tags: its own period, the detector's thresholds, days of travel-time profile. */
    incidents: {
      periodMs: number;
      profileDays: number;
      detector: {
        overdueFactor: number;
        overdueSlackS: number;
        runFalseAlarmsPerSegmentHour: number;
        minRun: number;
        maxRun: number;
        deviationFactor: number;
        clearOnTime: number;
        confirmAfterS: number;
      };
    };
  };
  startSimulator: boolean;
  /** The launcher restarts a component that exits after 1 s, 2 s, 4 s …, at most this long. */
  startRestartMaxDelayMs: number;
  /** Which components `bun run start` launches. */
  startComponents: string[];
}

/** Parses the environment; throws a TollwayError("config") naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset" in shell scripts and compose files.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => ({
      field: String(i.path[0] ?? "environment"),
      message: `${i.message}${i.path[0] && cleaned[String(i.path[0])] !== undefined ? ` (got ${JSON.stringify(cleaned[String(i.path[0])])})` : ""}`,
    }));
    throw new TollwayError("config", `Invalid configuration: ${fields.map((f) => `${f.field}: ${f.message}`).join("; ")}`, {
      fields,
    });
  }
  const e = parsed.data;
  if (e.INGEST_CURVE_PUBLIC_KEY && !e.INGEST_CURVE_SECRET_KEY) {
    throw new TollwayError("config", "Invalid configuration: INGEST_CURVE_PUBLIC_KEY is set but INGEST_CURVE_SECRET_KEY is not", {
      fields: [{ field: "INGEST_CURVE_SECRET_KEY", message: "required when INGEST_CURVE_PUBLIC_KEY is set" }],
    });
  }
  if (e.CONTROL_INCIDENT_MIN_RUN > e.CONTROL_INCIDENT_MAX_RUN) {
    throw new TollwayError("config", "Invalid configuration: CONTROL_INCIDENT_MIN_RUN is larger than CONTROL_INCIDENT_MAX_RUN", {
      fields: [{ field: "CONTROL_INCIDENT_MIN_RUN", message: "at most CONTROL_INCIDENT_MAX_RUN" }],
    });
  }
  const readWindowS = e.INGEST_READ_MAX_AGE_S + e.INGEST_READ_MAX_AHEAD_S;
  if (e.INGEST_BATCH_HORIZON_S !== undefined && e.INGEST_BATCH_HORIZON_S < readWindowS) {
    throw new TollwayError("config", "Invalid configuration: INGEST_BATCH_HORIZON_S is shorter than the read window", {
      fields: [{ field: "INGEST_BATCH_HORIZON_S", message: `at least INGEST_READ_MAX_AGE_S + INGEST_READ_MAX_AHEAD_S (${readWindowS})` }],
    });
  }
  if (e.CONTROL_BOTTLENECK_MIN_ACTIVE > e.CONTROL_BOTTLENECK_WINDOW) {
    throw new TollwayError("config", "Invalid configuration: CONTROL_BOTTLENECK_MIN_ACTIVE is larger than CONTROL_BOTTLENECK_WINDOW", {
      fields: [{ field: "CONTROL_BOTTLENECK_MIN_ACTIVE", message: "at most CONTROL_BOTTLENECK_WINDOW" }],
    });
  }
  return {
    databaseUrl: e.DATABASE_URL,
    databaseReadUrl: e.DATABASE_READ_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    timescaledb: e.TIMESCALEDB,
    dataDir: e.DATA_DIR,
    embeddedDbPort: e.EMBEDDED_DB_PORT,
    logLevel: e.LOG_LEVEL,
    tollTimezone: e.TOLL_TIMEZONE,
    gateway: {
      host: e.GATEWAY_HOST,
      port: e.GATEWAY_PORT,
      rateLimit: { perSecond: e.GATEWAY_RATE_LIMIT_PER_SECOND, burst: e.GATEWAY_RATE_LIMIT_BURST },
      keyCacheMs: e.GATEWAY_KEY_CACHE_MS,
    },
    ingest: {
      bind: e.INGEST_BIND,
      endpoints: e.INGEST_ENDPOINTS,
      metricsPort: e.INGEST_METRICS_PORT,
      metricsHost: /^tcp:\/\/([0-9.]+):/.exec(e.INGEST_BIND)?.[1] ?? "0.0.0.0",
      curve: e.INGEST_CURVE_SECRET_KEY ? { secretKey: e.INGEST_CURVE_SECRET_KEY, publicKey: e.INGEST_CURVE_PUBLIC_KEY } : undefined,
      duplicateWindowSeconds: e.INGEST_DUPLICATE_WINDOW_S,
      readMaxAgeSeconds: e.INGEST_READ_MAX_AGE_S,
      readMaxAheadSeconds: e.INGEST_READ_MAX_AHEAD_S,
      batchHorizonSeconds: e.INGEST_BATCH_HORIZON_S ?? readWindowS + 86_400,
    },
    control: {
      periodMs: e.CONTROL_PERIOD_S * 1000,
      clock: e.CONTROL_CLOCK,
      bottleneck: {
        speedKmh: e.CONTROL_BOTTLENECK_SPEED_KMH,
        dropKmh: e.CONTROL_BOTTLENECK_DROP_KMH,
        window: e.CONTROL_BOTTLENECK_WINDOW,
        minActive: e.CONTROL_BOTTLENECK_MIN_ACTIVE,
      },
      tripGapMs: e.CONTROL_TRIP_GAP_MIN * 60_000,
      incidents: {
        periodMs: e.CONTROL_INCIDENT_PERIOD_S * 1000,
        profileDays: e.CONTROL_INCIDENT_PROFILE_DAYS,
        detector: {
          overdueFactor: e.CONTROL_INCIDENT_OVERDUE_FACTOR,
          overdueSlackS: e.CONTROL_INCIDENT_OVERDUE_SLACK_S,
          runFalseAlarmsPerSegmentHour: e.CONTROL_INCIDENT_RUN_FALSE_ALARMS_PER_SEGMENT_HOUR,
          minRun: e.CONTROL_INCIDENT_MIN_RUN,
          maxRun: e.CONTROL_INCIDENT_MAX_RUN,
          deviationFactor: e.CONTROL_INCIDENT_DEVIATION_FACTOR,
          clearOnTime: e.CONTROL_INCIDENT_CLEAR_ON_TIME,
          confirmAfterS: e.CONTROL_INCIDENT_CONFIRM_S,
        },
      },
    },
    startSimulator: e.START_SIMULATOR,
    startRestartMaxDelayMs: e.START_RESTART_MAX_DELAY_S * 1000,
    startComponents: e.START_COMPONENTS,
  };
}

/** A config that requires a database URL (every component but the launcher). */
export function requireDatabaseUrl(config: Config): string {
  if (!config.databaseUrl) {
    throw new TollwayError("config", "DATABASE_URL is not set: point it at PostgreSQL/TimescaleDB, or use `bun run start`, which starts an embedded database");
  }
  return config.databaseUrl;
}
