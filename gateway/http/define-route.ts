import { createRoute, z, type RouteConfig, type RouteHandler } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { TollwayError } from "../../core/errors/tollway-error.ts";
import { idempotency } from "../idempotency/idempotency.ts";
import type { Role } from "./roles.ts";
import type { App, AppEnv } from "./types.ts";

/**
 * One operation = one route module made by `defineRoute(spec, handler)`:
 * - `spec` is a @hono/zod-openapi route config plus `roles`: the roles allowed to call it, or
 *   "public" (health, metrics). The roles check runs BEFORE input validation, so an anonymous or
 *   wrong-role caller learns nothing about the input rules (401/403 before 400).
 * - every POST with roles also honours `Idempotency-Key`.
 * - the standard problem responses (400/401/403/409/429/500) are added to the OpenAPI document,
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
    fields: z
      .array(z.object({ field: z.string().openapi({ example: "body.gantries.3" }), message: z.string() }))
      .optional(),
  })
  .openapi("Problem");

const problem = (description: string) => ({ description, content: { "application/problem+json": { schema: ProblemSchema } } });

function standardResponses(roles: Access, method: string) {
  const base: Record<string, ReturnType<typeof problem>> = {
    "400": problem("Invalid input; `fields` names each invalid field"),
    "429": problem("Rate limit exceeded; see Retry-After"),
    "500": problem("Internal error"),
  };
  if (roles !== "public") {
    base["401"] = problem("Missing, unknown or revoked API key");
    base["403"] = problem("The key's role may not call this operation");
  }
  if (method === "post" && roles !== "public") base["409"] = problem("Conflict, or Idempotency-Key reused with a different request");
  return base;
}

export function requireRoles(roles: Access): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (roles === "public") return next();
    const auth = c.get("auth");
    if (!auth) {
      throw new TollwayError("unauthorized", c.req.header("authorization") || c.req.header("x-api-key") ? "The API key is unknown or revoked" : "An API key is required: send `Authorization: Bearer <key>`");
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
      if (spec.method === "post" && roles !== "public") middleware.push(idempotency());
      const request = config.request?.body ? { ...config.request, body: { required: true, ...config.request.body } } : config.request;
      const rolesText = roles === "public" ? "Public." : `Roles: ${roles.join(", ")}.`;
      const route = createRoute({
        ...config,
        ...(request ? { request } : {}),
        description: config.description ? `${config.description}\n\n${rolesText}` : rolesText,
        security: roles === "public" ? [] : [{ apiKey: [] }],
        "x-roles": roles === "public" ? [] : [...roles],
        responses: { ...standardResponses(roles, spec.method), ...config.responses },
        middleware,
      } as RouteConfig);
      // The handler was type-checked against `spec` above; the added middleware and responses do not change it.
      app.openapi(route, handler as never);
    },
  };
}
