import type { MiddlewareHandler } from "hono";
import { TollwayError, type FieldIssue } from "../../core/errors/tollway-error.ts";
import type { AppEnv } from "./types.ts";

/**
 * Text PostgreSQL cannot store is refused at the door, for every route, before the handler sees it:
 * U+0000 (text and jsonb reject it: "invalid byte sequence for encoding UTF8: 0x00") and unpaired
 * UTF-16 surrogates (the driver would encode them as U+FFFD: the stored text would differ from what
 * was sent). One 400 problem names every such input: `query.q`, `path.plate`, `body.name`,
 * `body.gantries.3` (object keys too: the audit log stores bodies as jsonb).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what this looks for.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function reason(s: string): string | undefined {
  const m = UNSTORABLE.exec(s);
  if (!m) return undefined;
  return m[0] === "\u0000" ? "must not contain NUL (U+0000)" : "must be valid Unicode (an unpaired surrogate cannot be stored)";
}

/** Every string (and object key) in a parsed JSON value that cannot be stored, by field path. */
export function unstorableFields(value: unknown, path: string): FieldIssue[] {
  if (typeof value === "string") {
    const why = reason(value);
    return why ? [{ field: path, message: why }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => unstorableFields(v, `${path}.${i}`));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => {
      const why = reason(k);
      return why ? [{ field: `${path}.${k.replace(UNSTORABLE, "?")}`, message: `key ${why}` }] : unstorableFields(v, `${path}.${k}`);
    });
  }
  return [];
}

const isJson = (contentType: string | undefined) => !!contentType && /^application\/([a-z0-9.+-]+\+)?json(\s*;|$)/i.test(contentType.trim());

/**
 * Checks the inputs a route declares (path parameters, query, JSON body). Runs after the roles check
 * (callers without a key learn nothing about inputs) and before validation and idempotency. A body
 * that is not JSON is left to the validator, which names it.
 */
export function refuseUnstorableText(inputs: { params: boolean; query: boolean; body: boolean }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const fields: FieldIssue[] = [];
    if (inputs.params) for (const [k, v] of Object.entries(c.req.param() as Record<string, string>)) fields.push(...unstorableFields(v, `path.${k}`));
    if (inputs.query) {
      for (const [k, values] of Object.entries(c.req.queries())) {
        const why = reason(k);
        if (why) fields.push({ field: `query.${k.replace(UNSTORABLE, "?")}`, message: `name ${why}` });
        else for (const v of values) fields.push(...unstorableFields(v, `query.${k}`));
      }
    }
    if (inputs.body && isJson(c.req.header("content-type"))) {
      // Read as text (Hono caches it for the validator and the idempotency hash).
      let parsed: unknown;
      try {
        parsed = JSON.parse(await c.req.text());
      } catch {
        parsed = undefined;
      }
      fields.push(...unstorableFields(parsed, "body"));
    }
    if (fields.length > 0) {
      throw new TollwayError("bad_request", `Invalid request: ${fields.map((f) => f.field).join(", ")} cannot be stored`, { fields });
    }
    return next();
  };
}
