import { createHash, randomBytes } from "node:crypto";
import type { Queryable } from "../../core/db/database.ts";
import { TollwayError } from "../../core/errors/tollway-error.ts";
import { ROLES, type AuthContext, type Role } from "../http/roles.ts";

/**
 * API keys: `tw_` + 32 random bytes (base64url). Only the SHA-256 of the whole key is stored;
 * the key is returned once, at creation. The first 11 characters are kept as a public prefix so
 * operators can tell keys apart in lists and logs.
 */
export const KEY_PREFIX_LENGTH = 11;

export const hashKey = (key: string): string => createHash("sha256").update(key).digest("hex");

export function generateKey(): string {
  return `tw_${randomBytes(32).toString("base64url")}`;
}

export interface ApiKeyRecord {
  id: number;
  name: string;
  prefix: string;
  role: Role;
  createdAt: string;
  createdBy: number | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

interface ApiKeyRow extends Record<string, unknown> {
  id: number;
  name: string;
  prefix: string;
  role: Role;
  created_at: Date;
  created_by: number | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const COLUMNS = "id, name, prefix, role, created_at, created_by, revoked_at, last_used_at";

const toRecord = (r: ApiKeyRow): ApiKeyRecord => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  role: r.role,
  createdAt: r.created_at.toISOString(),
  createdBy: r.created_by,
  revokedAt: r.revoked_at ? r.revoked_at.toISOString() : null,
  lastUsedAt: r.last_used_at ? r.last_used_at.toISOString() : null,
});

/** The channel a revocation is announced on (NOTIFY, committed with the revoke); its payload is the key id. */
export const KEY_REVOKED_CHANNEL = "tollway_api_key_revoked";

/** While revocations are not heard (the listener is reconnecting), no cache entry lives longer. */
export const UNHEARD_CACHE_MS = 500;

export interface ApiKeyServiceOptions {
  /** Verified keys are trusted this long before the database is asked again (0: always ask). */
  cacheMs?: number;
  clock?: () => Date;
  /**
   * Whether revocations from other gateway instances reach this one (a NotificationListener on
   * KEY_REVOKED_CHANNEL calling forget / forgetAll). Without it, or while it is not listening,
   * cache entries live at most UNHEARD_CACHE_MS, so a revocation elsewhere holds within that.
   */
  revocations?: { readonly listening: boolean };
}

export class ApiKeyService {
  private readonly cache = new Map<string, { auth: AuthContext; until: number }>();
  private readonly cacheMs: number;
  private readonly clock: () => Date;
  private readonly revocations: { readonly listening: boolean } | undefined;

  constructor(
    private readonly db: Queryable,
    opts: ApiKeyServiceOptions = {},
  ) {
    this.cacheMs = opts.cacheMs ?? 0;
    this.clock = opts.clock ?? (() => new Date());
    this.revocations = opts.revocations;
  }

  async create(input: { name: string; role: Role; createdBy?: number | null }, q: Queryable = this.db): Promise<{ key: string; record: ApiKeyRecord }> {
    if (!ROLES.includes(input.role)) throw new TollwayError("bad_request", `unknown role ${input.role}; use one of ${ROLES.join(", ")}`);
    const key = generateKey();
    const row = await q.one<ApiKeyRow>(`insert into api_keys (name, prefix, key_hash, role, created_by) values ($1, $2, $3, $4, $5) returning ${COLUMNS}`, [
      input.name,
      key.slice(0, KEY_PREFIX_LENGTH),
      hashKey(key),
      input.role,
      input.createdBy ?? null,
    ]);
    return { key, record: toRecord(row) };
  }

  async list(q: Queryable = this.db, opts: { includeRevoked?: boolean } = {}): Promise<ApiKeyRecord[]> {
    const rows = await q.query<ApiKeyRow>(`select ${COLUMNS} from api_keys ${opts.includeRevoked === false ? "where revoked_at is null" : ""} order by id`);
    return rows.map(toRecord);
  }

  async get(id: number, q: Queryable = this.db): Promise<ApiKeyRecord | undefined> {
    const row = await q.maybeOne<ApiKeyRow>(`select ${COLUMNS} from api_keys where id = $1`, [id]);
    return row ? toRecord(row) : undefined;
  }

  /** Revokes a key (idempotent); returns the record before and after. */
  async revoke(id: number, q: Queryable = this.db): Promise<{ before: ApiKeyRecord; after: ApiKeyRecord }> {
    const before = await this.get(id, q);
    if (!before) throw new TollwayError("not_found", `API key ${id} does not exist`);
    const row = await q.one<ApiKeyRow>(`update api_keys set revoked_at = coalesce(revoked_at, now()) where id = $1 returning ${COLUMNS}`, [id]);
    // Delivered to every instance's listener when the caller's transaction commits.
    await q.query("select pg_notify($1, $2)", [KEY_REVOKED_CHANNEL, String(id)]);
    this.forget(id);
    return { before, after: toRecord(row) };
  }

  /** The caller behind a presented key, or undefined when the key is unknown or revoked. */
  async verify(key: string): Promise<AuthContext | undefined> {
    // Cheap shape check first: garbage never reaches the database.
    if (!/^tw_[A-Za-z0-9_-]{43}$/.test(key)) return undefined;
    const hash = hashKey(key);
    const now = this.clock().getTime();
    const cached = this.cache.get(hash);
    if (cached && cached.until > now) return cached.auth;
    // last_used_at is refreshed when the cache entry is, so it costs one write per key per cache period.
    const row = await this.db.maybeOne<{ id: number; name: string; role: Role; prefix: string }>(
      `update api_keys set last_used_at = now() where key_hash = $1 and revoked_at is null returning id, name, role, prefix`,
      [hash],
    );
    if (!row) {
      this.cache.delete(hash);
      return undefined;
    }
    const auth: AuthContext = { keyId: row.id, name: row.name, role: row.role, prefix: row.prefix };
    const ttl = this.revocations?.listening ? this.cacheMs : Math.min(this.cacheMs, UNHEARD_CACHE_MS);
    if (ttl > 0) this.cache.set(hash, { auth, until: now + ttl });
    return auth;
  }

  /** Drops a key from the cache (revoked here or on another instance). */
  forget(id: number): void {
    for (const [hash, entry] of this.cache) if (entry.auth.keyId === id) this.cache.delete(hash);
  }

  /** Drops every cached key (revocations may have been missed). */
  forgetAll(): void {
    this.cache.clear();
  }
}
