import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { ZodError } from "zod";
import { TollwayError } from "../core/errors/tollway-error.ts";
import { WorkerLpSolver } from "../control/greenwave/lp-solver.ts";
import { MaxbandSolver } from "../control/greenwave/maxband.ts";
import { CorridorService } from "../control/signals/corridor-service.ts";
import { PlanBuilder } from "../control/signals/plan-builder.ts";
import { SignalPlanService } from "../control/signals/plan-service.ts";
import { SpeedRangeSource } from "../control/signals/speed-source.ts";
import { NotificationListener } from "../core/db/notification-listener.ts";
import { ApiKeyService, KEY_REVOKED_CHANNEL } from "./auth/api-keys.ts";
import { mountDocs } from "./docs/swagger-ui.ts";
import type { RouteModule } from "./http/define-route.ts";
import { problemResponse, tollwayProblem, validationProblem } from "./http/problem.ts";
import { SettlementJobs } from "../core/settlement/settlement-jobs.ts";
import { SettlementService } from "../core/settlement/settlement-service.ts";
import type { App, AppDeps, AppEnv, GatewayApp, GatewayDeps } from "./http/types.ts";
import { GatewayMetrics } from "./metrics/metrics.ts";
import { RateLimiter } from "./rate-limit/rate-limiter.ts";
import { routeModules } from "./routes/index.ts";

/**
 * The gateway HTTP app (Hono + @hono/zod-openapi). Conventions every route follows:
 *
 * - One operation per file under gateway/routes/<area>/, made with `defineRoute(spec, handler)`
 *   (gateway/http/define-route.ts) and listed in gateway/routes/index.ts. `spec.roles` says who may
 *   call it (admin, toll_operator, traffic_operator, auditor) or "public".
 * - Handlers get their dependencies from `c.var.deps` (db, config, logger, clock, apiKeys, metrics,
 *   signals) and build stateless service classes from them; never import a global. What holds a
 *   resource is built here, once per app, and released by `app.close()`.
 * - Errors: throw TollwayError. Everything becomes `application/problem+json`
 *   {type, title, status, detail, code, instance, requestId, fields[]}; zod validation failures are
 *   400 with `fields` naming each input, e.g. `body.gantries.3`, `query.limit`, `path.id`.
 * - Writes: do the change and `recordAudit(tx, actorOf(c), {...before, after})`
 *   (gateway/audit/audit-log.ts) in ONE `db.tx`.
 * - POST: Idempotency-Key is handled for you (gateway/idempotency/idempotency.ts).
 * - Money is integer tenths of NT$ (`...Tenths` fields); times are ISO-8601 strings.
 * - Each request gets an X-Request-Id (the caller's, when it is a safe token), an access-log line
 *   and metrics; callers are rate limited per key (per address without one): 429 + Retry-After.
 * - Auth: `Authorization: Bearer <key>` (or `X-API-Key: <key>`); keys are made with `bun run keys`.
 */
export interface CreateAppOptions {
  /** Route modules to mount; defaults to every module in gateway/routes/index.ts. */
  routes?: readonly RouteModule[];
}

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** No operation takes more; a larger body is refused before it is read (413). */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

export function createApp(deps: AppDeps, opts: CreateAppOptions = {}): GatewayApp {
  const clock = deps.clock ?? (() => new Date());
  // One HiGHS worker per app, started on first use: a solve never blocks the event loop.
  const lpSolver = new WorkerLpSolver();
  const corridors = new CorridorService(deps.db);
  const plans = new SignalPlanService(
    deps.db,
    corridors,
    new PlanBuilder(new MaxbandSolver(lpSolver, { timeLimitS: 20 })),
    new SpeedRangeSource(deps.db, { now: clock }),
  );
  // With a key cache, revocations on other instances arrive by NOTIFY (api-keys.ts); a gap in
  // listening may have missed some, so the cache is dropped whenever listening stops or resumes.
  const revocations =
    deps.config.gateway.keyCacheMs > 0
      ? new NotificationListener(deps.db, {
          channel: KEY_REVOKED_CHANNEL,
          onNotify: (id) => apiKeys.forget(Number(id)),
          onGap: () => apiKeys.forgetAll(),
          logger: deps.logger.child({ component: "gateway", listener: "key-revocations" }),
        })
      : undefined;
  const apiKeys = new ApiKeyService(deps.db, { cacheMs: deps.config.gateway.keyCacheMs, clock, revocations });
  void revocations?.start();
  const settlementJobs = new SettlementJobs(
    new SettlementService(deps.db, { timeZone: deps.config.tollTimezone, clock, logger: deps.logger.child({ job: "settlement" }) }),
    deps.logger.child({ job: "settlement" }),
  );
  const full: GatewayDeps = {
    ...deps,
    clock,
    apiKeys,
    metrics: new GatewayMetrics(),
    signals: { corridors, plans, lpSolver },
    settlementJobs,
  };
  const limiter = new RateLimiter(deps.config.gateway.rateLimit);
  const routes = opts.routes ?? routeModules;
  // Public operations (the probes and /metrics) are never rate limited: probes and scrapers must always get through.
  const unlimited = new Set(routes.filter((m) => m.roles === "public").map((m) => m.path));
  const log = deps.logger.child({ component: "gateway" });

  const app: App = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return validationProblem(c, result.error, result.target);
    },
  });

  // Request id, deps, access log and metrics wrap everything else.
  app.use("*", async (c, next) => {
    const started = performance.now();
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", requestId);
    c.set("deps", full);
    c.set("auth", undefined);
    await next();
    c.res.headers.set("x-request-id", requestId);
    const seconds = (performance.now() - started) / 1000;
    const route = c.req.routePath === "/*" ? "unmatched" : c.req.routePath;
    full.metrics.observe(c.req.method, route, c.res.status, seconds);
    log.info("request", {
      requestId,
      method: c.req.method,
      path: c.req.path,
      route,
      status: c.res.status,
      ms: Math.round(seconds * 10000) / 10,
      key: c.get("auth")?.prefix,
      role: c.get("auth")?.role,
    });
  });

  // Authentication: resolve the key if one is presented; routes decide (defineRoute) whether they need it.
  app.use("*", async (c, next) => {
    const header = c.req.header("authorization");
    const presented = header?.startsWith("Bearer ") ? header.slice(7).trim() : (c.req.header("x-api-key")?.trim() ?? (header ? "" : undefined));
    if (presented !== undefined) c.set("auth", await full.apiKeys.verify(presented));
    return next();
  });

  app.use("*", async (c, next) => {
    if (unlimited.has(c.req.path)) return next();
    const auth = c.get("auth");
    const caller = auth ? `key:${auth.keyId}` : `ip:${c.env?.clientIp ?? "local"}`;
    const d = limiter.take(caller);
    if (!d.allowed) {
      return problemResponse(c, 429, "rate_limited", `Rate limit exceeded; retry in ${d.retryAfterSeconds} s`, undefined, {
        "retry-after": String(d.retryAfterSeconds),
      });
    }
    return next();
  });

  app.use(
    "*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        problemResponse(c, 413, "payload_too_large", `Request bodies are limited to ${MAX_BODY_BYTES} bytes`, [{ field: "body", message: "too large" }]),
    }),
  );

  for (const m of routes) m.register(app);

  app.openAPIRegistry.registerComponent("responses", "MethodNotAllowed", {
    description: "Any path of this document called with a method it does not list: problem+json, and `Allow` lists the methods it has",
    headers: { Allow: { description: "The methods the path has, e.g. `GET, HEAD, POST`", schema: { type: "string" } } },
    content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    description: "An API key made with `bun run keys create --role ...` or POST /v1/api-keys",
  });
  // Generated once, on first request (after every route is registered): it takes ~100 ms.
  let openApiDoc: ReturnType<App["getOpenAPI31Document"]> | undefined;
  app.get("/openapi.json", (c) =>
    c.json(
      (openApiDoc ??= app.getOpenAPI31Document({
        openapi: "3.1.0",
        info: {
          title: "Tollway gateway API",
          version: "1.0.0",
          description:
            "Toll operators' API: accounts, tags, passages, tariffs, settlement, plate billing, audit. Errors are application/problem+json. Money is in NT$0.1 (tenths). " +
            "Every operation lists each status it can answer. A path called with a method it does not list answers 405 with `Allow` " +
            "(components.responses.MethodNotAllowed); an unknown path answers 404.",
        },
      })),
    ),
  );
  mountDocs(app);

  const allowedOn = methodsByPath(app);
  app.notFound((c) => {
    const allowed = allowedOn(c.req.path);
    // A handler that found nothing (c.notFound()) on an allowed method is still a 404.
    if (allowed.length > 0 && !allowed.includes(c.req.method)) {
      return problemResponse(c, 405, "method_not_allowed", `${c.req.method} is not allowed on ${c.req.path}; allowed: ${allowed.join(", ")}`, undefined, {
        allow: allowed.join(", "),
      });
    }
    return problemResponse(c, 404, "not_found", `No route for ${c.req.method} ${c.req.path}`);
  });

  app.onError((err, c) => {
    if (err instanceof TollwayError) {
      if (err.status >= 500) log.error("request failed", { requestId: c.get("requestId"), err, cause: err.cause });
      const res = tollwayProblem(c, err);
      if (err.status === 401) res.headers.set("www-authenticate", 'Bearer realm="tollway"');
      return res;
    }
    if (err instanceof ZodError) return validationProblem(c, err);
    if (err instanceof HTTPException) {
      // Hono raises these for unreadable bodies (malformed JSON, wrong content type).
      const status = err.status;
      const fields =
        status === 400
          ? [{ field: "body", message: err.message }]
          : status === 415
            ? [{ field: "header.content-type", message: "must be application/json" }]
            : undefined;
      return problemResponse(c, status, status === 400 ? "bad_request" : status === 415 ? "unsupported_media_type" : "http_error", err.message, fields);
    }
    log.error("unhandled error", { requestId: c.get("requestId"), err });
    return problemResponse(c, 500, "internal", "Internal error");
  });

  return Object.assign(app, {
    close: async () => {
      lpSolver.close();
      await revocations?.close();
      await settlementJobs.stop();
    },
  });
}

/**
 * The methods each registered path answers (HEAD with GET: Hono serves it), for 405 + Allow. Read from
 * the app's routes on first use, when every route is registered.
 */
function methodsByPath(app: App): (path: string) => string[] {
  let table: { pattern: RegExp; methods: Set<string> }[] | undefined;
  const build = () => {
    const byPath = new Map<string, Set<string>>();
    for (const r of app.routes) {
      if (r.method === "ALL") continue;
      const methods = byPath.get(r.path) ?? new Set<string>();
      methods.add(r.method);
      if (r.method === "GET") methods.add("HEAD");
      byPath.set(r.path, methods);
    }
    return [...byPath].map(([path, methods]) => ({
      pattern: new RegExp(
        `^${path
          .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
          .replace(/\*/g, ".*")
          .replace(/:[A-Za-z0-9_]+/g, "[^/]+")}$`,
      ),
      methods,
    }));
  };
  return (path) => {
    table ??= build();
    const allowed = new Set<string>();
    for (const t of table) if (t.pattern.test(path)) for (const m of t.methods) allowed.add(m);
    return [...allowed].sort();
  };
}
