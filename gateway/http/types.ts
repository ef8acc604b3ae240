import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Config } from "../../core/config/config.ts";
import type { Database } from "../../core/db/database.ts";
import type { Logger } from "../../core/log/logger.ts";
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

/** Resolved deps as handlers see them (`c.var.deps`). */
export interface GatewayDeps extends AppDeps {
  clock: () => Date;
  apiKeys: ApiKeyService;
  metrics: GatewayMetrics;
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
