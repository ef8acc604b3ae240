import type { Context } from "hono";
import type { ZodError } from "zod";
import type { FieldIssue, TollwayError } from "../../core/errors/tollway-error.ts";

/**
 * RFC 9457 problem details: the one error body of the API. `fields` names every invalid input by
 * where it came from and its path (`body.gantries.3`, `query.limit`, `path.id`).
 */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  requestId?: string;
  fields?: FieldIssue[];
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

export const problemType = (code: string) => `urn:tollway:problem:${code}`;

export function problemBody(c: Context, status: number, code: string, detail: string, fields?: FieldIssue[]): Problem {
  const p: Problem = {
    type: problemType(code),
    title: TITLES[status] ?? "Error",
    status,
    detail,
    code,
    // The path as sent (percent-encoded): a URI reference, never a decoded NUL.
    instance: new URL(c.req.url).pathname,
    requestId: c.get("requestId") as string | undefined,
  };
  if (fields && fields.length > 0) p.fields = fields;
  return p;
}

export function problemResponse(c: Context, status: number, code: string, detail: string, fields?: FieldIssue[], headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(problemBody(c, status, code, detail, fields)), {
    status,
    headers: { "content-type": "application/problem+json", ...headers },
  });
}

export function tollwayProblem(c: Context, e: TollwayError): Response {
  // Internal details (SQL text, stack) never reach the client.
  const detail = e.status >= 500 ? (e.code === "database" ? "The database is unavailable; retry later" : "Internal error") : e.message;
  return problemResponse(c, e.status, e.code, detail, e.fields);
}

/** Where a validated value came from, as the prefix of its field name. */
const TARGET_PREFIX: Record<string, string> = { json: "body", form: "body", query: "query", param: "path", header: "header", cookie: "cookie" };

export function zodFields(error: ZodError, target?: string): FieldIssue[] {
  const prefix = target ? (TARGET_PREFIX[target] ?? target) : undefined;
  return error.issues.map((i) => {
    const path = [prefix, ...i.path.map(String)].filter((s): s is string => s !== undefined && s !== "");
    return { field: path.length > 0 ? path.join(".") : "body", message: i.message };
  });
}

export function validationProblem(c: Context, error: ZodError, target?: string): Response {
  const fields = zodFields(error, target);
  return problemResponse(c, 400, "bad_request", `Invalid request: ${fields.map((f) => f.field).join(", ")}`, fields);
}
