import { createHash } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { TollwayError } from "../../core/errors/tollway-error.ts";
import type { AppEnv } from "../http/types.ts";

/**
 * Idempotency-Key on POST (attached to every POST route by defineRoute, after authentication).
 * - first use of a key: the request runs; its response (status < 500) is stored with a hash of the
 *   request (method, path, query, body);
 * - same key, same request: the stored response is replayed (header `Idempotent-Replayed: true`);
 * - same key, different request, or the first request still running: 409 problem.
 * A 5xx response releases the key so the client can retry. Keys are scoped per API key.
 * A key is remembered for 24 hours (then it may be reused); a claim whose request never finished
 * (process killed mid-request) is released after 5 minutes. Expired rows are purged now and then.
 */
export const IDEMPOTENCY_KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;
const RETENTION = "24 hours";
const ABANDONED = "5 minutes";
/** Purging on ~1 claim in 200 keeps the table small without a separate job. */
const PURGE_PROBABILITY = 0.005;

interface StoredResponse {
  contentType: string;
  body: string;
}

export function idempotency(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.req.header("idempotency-key");
    if (key === undefined) return next();
    if (!IDEMPOTENCY_KEY_SHAPE.test(key)) {
      throw new TollwayError("bad_request", "Idempotency-Key must be 1-255 visible ASCII characters", {
        fields: [{ field: "header.idempotency-key", message: "must be 1-255 visible ASCII characters" }],
      });
    }
    const auth = c.get("auth");
    // Routes with POST always require a key (defineRoute), so auth is present here.
    if (!auth) return next();
    const { db } = c.get("deps");
    const url = new URL(c.req.url);
    const target = url.pathname + url.search;
    const body = await c.req.text();
    const requestHash = createHash("sha256").update(`${c.req.method} ${target}\n`).update(body).digest("hex");

    if (Math.random() < PURGE_PROBABILITY) {
      await db.query(`delete from idempotency_keys where created_at < now() - interval '${RETENTION}'`);
    }
    const claimed = await db.maybeOne(
      `insert into idempotency_keys (api_key_id, key, method, path, request_hash) values ($1, $2, $3, $4, $5)
       on conflict (api_key_id, key) do update
         set method = excluded.method, path = excluded.path, request_hash = excluded.request_hash,
             status = null, response = null, created_at = now()
         where idempotency_keys.created_at < now() - interval '${RETENTION}'
            or (idempotency_keys.status is null and idempotency_keys.created_at < now() - interval '${ABANDONED}')
       returning key`,
      [auth.keyId, key, c.req.method, target, requestHash],
    );
    if (!claimed) {
      const prior = await db.maybeOne<{ request_hash: string; status: number | null; response: StoredResponse | null }>(
        `select request_hash, status, response from idempotency_keys where api_key_id = $1 and key = $2`,
        [auth.keyId, key],
      );
      if (!prior || prior.request_hash !== requestHash) {
        throw new TollwayError("conflict", "This Idempotency-Key was already used for a different request", {
          fields: [{ field: "header.idempotency-key", message: "reused with a different request" }],
        });
      }
      if (prior.status === null || !prior.response) {
        throw new TollwayError("conflict", "A request with this Idempotency-Key is still being processed; retry later");
      }
      return new Response(prior.response.body, {
        status: prior.status,
        headers: { "content-type": prior.response.contentType, "idempotent-replayed": "true" },
      });
    }

    await next();

    const res = c.res;
    if (res.status >= 500) {
      await db.query(`delete from idempotency_keys where api_key_id = $1 and key = $2`, [auth.keyId, key]);
      return;
    }
    const stored: StoredResponse = { contentType: res.headers.get("content-type") ?? "application/json", body: await res.clone().text() };
    await db.query(`update idempotency_keys set status = $3, response = $4::jsonb where api_key_id = $1 and key = $2`, [
      auth.keyId,
      key,
      res.status,
      JSON.stringify(stored),
    ]);
  };
}
