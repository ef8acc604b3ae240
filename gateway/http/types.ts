import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Config } from "../../core/config/config.ts";
import type { Database } from "../../core/db/database.ts";
import type { Logger } from "../../core/log/logger.ts";
import type { SettlementJobs } from "../../core/settlement/settlement-jobs.ts";
import type { WorkerLpSolver } from "../../control/greenwave/lp-solver.ts";
import type { CorridorService } from "../../control/signals/corridor-service.ts";
import type { SignalPlanService } from "../../control/signals/plan-service.ts";
import type { ApiKeyService } from "../auth/api-keys.ts";
import type { GatewayMetrics } from "../metrics/metrics.ts";
import type { AuthContext } from "./roles.ts";

/** What the app is built from; tests pass real parts (a test database, a fixed clock). */
export interface AppDeps {
  db: Database;
  config: Config;
  logger: Logger;
  /** Current time; tests pin it. */
  clock?: () => Date;
}

/** The green-wave services, built once per app: plans are solved by one HiGHS worker thread. */
export interface SignalServices {
  corridors: CorridorService;
  plans: SignalPlanService;
  /** Closed with the app (`GatewayApp.close`). */
  lpSolver: WorkerLpSolver;
}

/** Resolved deps as handlers see them (`c.var.deps`), built by createApp. */
export interface GatewayDeps extends AppDeps {
  clock: () => Date;
  apiKeys: ApiKeyService;
  metrics: GatewayMetrics;
  signals: SignalServices;
  /** Settlement runs started by POST /v1/settlements/run; stopped with the app. */
  settlementJobs: SettlementJobs;
}

export interface AppEnv {
  Bindings: {
    /** Set by the server (gateway/main.ts); absent under app.request in tests. */
    clientIp?: string;
  };
  Variables: {
    requestId: string;
    deps: GatewayDeps;
    auth: AuthContext | undefined;
  };
}

export type App = OpenAPIHono<AppEnv>;

/** The app with what it owns: close() releases it (the LP worker) once the server has stopped. */
export type GatewayApp = App & { close(): Promise<void> };
