import { createRoute, z, type RouteConfig, type RouteHandler } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { TollwayError } from "../../core/errors/tollway-error.ts";
import { IDEMPOTENCY_KEY_SHAPE, idempotency } from "../idempotency/idempotency.ts";
import type { Role } from "./roles.ts";
import type { App, AppEnv } from "./types.ts";
import { refuseUnstorableText } from "./unstorable-text.ts";

/**
 * One operation = one route module made by `defineRoute(spec, handler)`:
 * - `spec` is a @hono/zod-openapi route config plus `roles`: the roles allowed to call it, or
 *   "public" (health, metrics). The roles check runs BEFORE input validation, so an anonymous or
 *   wrong-role caller learns nothing about the input rules (401/403 before 400).
 * - every POST with roles also honours `Idempotency-Key`.
 * - every input it declares is checked for text PostgreSQL cannot store (NUL, unpaired surrogates): 400.
 * - the problem responses its shape can give (`standardResponses`) are added to the OpenAPI document,
 *   with `x-roles` listing the roles, which is what the security tests enumerate.
 * - a JSON request body is required by default (so a missing or non-JSON body is a 400, not a
 *   silently skipped validation).
 */
export type Access = readonly Role[] | "public";

export type RouteSpec = RouteConfig & { roles: Access; middleware?: never };

export interface RouteModule {
  readonly method: string;
  /** OpenAPI-style path, e.g. /v1/accounts/{id}. */
  readonly path: string;
  readonly roles: Access;
  register(app: App): void;
}

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "urn:tollway:problem:bad_request" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    fields: z.array(z.object({ field: z.string().openapi({ example: "body.gantries.3" }), message: z.string() })).optional(),
  })
  .openapi("Problem");

const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .regex(IDEMPOTENCY_KEY_SHAPE, "must be 1-255 visible ASCII characters")
    .optional()
    .openapi({
      param: { name: "idempotency-key", in: "header" },
      description: "Same key + same request: the first response is replayed (Idempotent-Replayed: true); same key + another request: 409",
      example: "top-up-2026-11-26-0001",
    }),
});

const problem = (description: string) => ({ description, content: { "application/problem+json": { schema: ProblemSchema } } });

type ResponseConfig = Exclude<RouteConfig["responses"][string], { $ref: string }>;

/**
 * The problem responses every operation of this shape can give, so no route can forget one:
 * - 400 when it takes any input (path, query, body; POST also reads Idempotency-Key): validation,
 *   unstorable text (gateway/http/unstorable-text.ts), cross-field rules;
 * - 401/403 unless public; 429 (rate limit) and 503 (database unavailable) unless public (public
 *   routes are the probes, never limited, and never touch the database);
 * - 404 when it has path parameters (they name something that may not exist);
 * - 413 (body over the limit) and 415 (not JSON) when it takes a body;
 * - 409 on every authenticated POST (Idempotency-Key reused with a different request);
 * - 431 from the HTTP server itself (request line or headers too large);
 * - 500 always.
 * A route adds what its domain raises (409, 422, a more precise 404) in its own `responses`.
 */
export function standardResponses(spec: { roles: Access; method: string; request?: RouteConfig["request"] }): Record<string, ResponseConfig> {
  const isPublic = spec.roles === "public";
  const authenticatedPost = spec.method === "post" && !isPublic;
  const r: Record<string, ResponseConfig> = {};
  const { params, query, body } = spec.request ?? {};
  if (params || query || body || authenticatedPost) r["400"] = problem("Invalid input; `fields` names each invalid field");
  if (!isPublic) {
    r["401"] = problem("Missing, unknown or revoked API key");
    r["403"] = problem("The key's role may not call this operation");
  }
  if (params) r["404"] = problem("Nothing exists at this path");
  if (authenticatedPost) r["409"] = problem("Conflict, or Idempotency-Key reused with a different request");
  if (body) {
    r["413"] = problem("Request body over the size limit (2 MiB)");
    r["415"] = problem("The body is not `application/json`");
  }
  if (!isPublic) {
    r["429"] = {
      ...problem("Rate limit exceeded; see Retry-After"),
      headers: { "Retry-After": { description: "Seconds until a request is allowed again", schema: { type: "integer", minimum: 1 } } },
    };
  }
  // Bun.serve refuses a request line or headers over its limit before the app runs: no body.
  r["431"] = { description: "Request line (path and query) or headers over 16 KiB, refused by the HTTP server; no body" };
  r["500"] = problem("Internal error");
  if (!isPublic) r["503"] = problem("The database is unavailable; retry later");
  return r;
}

/** A route's own error responses carry the problem body too (a route only says when they happen). */
function withProblemContent(responses: RouteConfig["responses"]): RouteConfig["responses"] {
  return Object.fromEntries(
    Object.entries(responses).map(([status, res]) => [
      status,
      Number(status) >= 400 && !("$ref" in res) && !res.content ? { ...res, ...problem(res.description ?? "Error") } : res,
    ]),
  );
}

export function requireRoles(roles: Access): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (roles === "public") return next();
    const auth = c.get("auth");
    if (!auth) {
      throw new TollwayError(
        "unauthorized",
        c.req.header("authorization") || c.req.header("x-api-key")
          ? "The API key is unknown or revoked"
          : "An API key is required: send `Authorization: Bearer <key>`",
      );
    }
    if (!roles.includes(auth.role)) {
      throw new TollwayError("forbidden", `Role ${auth.role} may not call this operation (allowed: ${roles.join(", ")})`);
    }
    return next();
  };
}

export function defineRoute<const R extends RouteSpec>(spec: R, handler: RouteHandler<R, AppEnv>): RouteModule {
  const { roles, ...config } = spec;
  return {
    method: spec.method,
    path: spec.path,
    roles,
    register(app: App) {
      const middleware: MiddlewareHandler<AppEnv>[] = [requireRoles(roles)];
      const { params, query, body } = config.request ?? {};
      if (params || query || body) middleware.push(refuseUnstorableText({ params: !!params, query: !!query, body: !!body }));
      const idempotent = spec.method === "post" && roles !== "public";
      if (idempotent) middleware.push(idempotency());
      const request = {
        ...config.request,
        ...(body ? { body: { required: true, ...body } } : {}),
        // Documented (and checked, after the idempotency middleware already has) like any other input.
        ...(idempotent ? { headers: IdempotencyHeaders } : {}),
      };
      const rolesText = roles === "public" ? "Public." : `Roles: ${roles.join(", ")}.`;
      const route = createRoute({
        ...config,
        ...(Object.keys(request).length > 0 ? { request } : {}),
        description: config.description ? `${config.description}\n\n${rolesText}` : rolesText,
        security: roles === "public" ? [] : [{ apiKey: [] }],
        "x-roles": roles === "public" ? [] : [...roles],
        responses: { ...standardResponses(spec), ...withProblemContent(config.responses) },
        middleware,
      } as RouteConfig);
      // The handler was type-checked against `spec` above; the added middleware and responses do not change it.
      app.openapi(route, handler as never);
    },
  };
}
