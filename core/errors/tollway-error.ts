/**
 * The one error type of the product. Gateway turns it into application/problem+json,
 * CLIs print `detail` and exit, services log it with its code.
 */
export type ErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "unprocessable"
  | "rate_limited"
  | "config"
  | "database"
  | "protocol"
  | "internal";

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  rate_limited: 429,
  config: 500,
  database: 503,
  protocol: 400,
  internal: 500,
};

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `body.gantries.3`. */
  field: string;
  message: string;
}

export class TollwayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly fields: FieldIssue[];
  override readonly cause?: unknown;

  constructor(code: ErrorCode, message: string, opts: { fields?: FieldIssue[]; cause?: unknown; status?: number } = {}) {
    super(message);
    this.name = "TollwayError";
    this.code = code;
    this.status = opts.status ?? STATUS[code];
    this.fields = opts.fields ?? [];
    this.cause = opts.cause;
  }
}

export const isTollwayError = (e: unknown): e is TollwayError => e instanceof TollwayError;
