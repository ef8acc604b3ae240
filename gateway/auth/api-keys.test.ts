import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { ApiKeyService, generateKey, hashKey, KEY_REVOKED_CHANNEL, UNHEARD_CACHE_MS } from "./api-keys.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ seed: false });
});
afterAll(() => t.drop());

describe("ApiKeyService", () => {
  test("keys are random, stored only as SHA-256, and verify to their role", async () => {
    expect(generateKey()).not.toBe(generateKey());
    const svc = new ApiKeyService(t.db);
    const { key, record } = await svc.create({ name: "ops", role: "toll_operator" });
    const row = await t.db.one<{ key_hash: string; prefix: string }>("select key_hash, prefix from api_keys where id = $1", [record.id]);
    expect(row.key_hash).toBe(hashKey(key));
    expect(row.prefix).toBe(key.slice(0, 11));
    expect(await svc.verify(key)).toEqual({ keyId: record.id, name: "ops", role: "toll_operator", prefix: row.prefix });
    expect(await svc.verify(key.slice(0, -1) + (key.endsWith("A") ? "B" : "A"))).toBeUndefined();
    expect(await svc.verify("'; select 1; --")).toBeUndefined();
    expect(await svc.verify("")).toBeUndefined();
  });

  test("a cached key is trusted for cacheMs; revoking through the same service drops it at once", async () => {
    let now = Date.parse("2026-11-26T00:00:00Z");
    const svc = new ApiKeyService(t.db, { cacheMs: 5000, clock: () => new Date(now), revocations: { listening: true } });
    const { key, record } = await svc.create({ name: "cached", role: "auditor" });
    expect(await svc.verify(key)).toBeDefined();
    // Revoked behind this service's back (another process): still trusted until the entry expires.
    await t.db.query("update api_keys set revoked_at = now() where id = $1", [record.id]);
    expect(await svc.verify(key)).toBeDefined();
    now += 5001;
    expect(await svc.verify(key)).toBeUndefined();

    const other = await svc.create({ name: "other", role: "auditor" });
    expect(await svc.verify(other.key)).toBeDefined();
    await svc.revoke(other.record.id);
    expect(await svc.verify(other.key)).toBeUndefined();
  });

  test("while revocations are not heard, a cached key is trusted at most UNHEARD_CACHE_MS", async () => {
    let now = Date.parse("2026-11-26T00:00:00Z");
    const revocations = { listening: false };
    const svc = new ApiKeyService(t.db, { cacheMs: 60_000, clock: () => new Date(now), revocations });
    const { key, record } = await svc.create({ name: "unheard", role: "auditor" });
    expect(await svc.verify(key)).toBeDefined();
    await t.db.query("update api_keys set revoked_at = now() where id = $1", [record.id]);
    now += UNHEARD_CACHE_MS - 1;
    expect(await svc.verify(key)).toBeDefined();
    now += 2;
    expect(await svc.verify(key)).toBeUndefined();
  });

  test("revoke announces the key id on KEY_REVOKED_CHANNEL when its transaction commits", async () => {
    const svc = new ApiKeyService(t.db);
    const { record } = await svc.create({ name: "announced", role: "auditor" });
    const listener = await t.db.dedicatedConnection();
    const heard: string[] = [];
    listener.on("notification", (m) => heard.push(`${m.channel}:${m.payload}`));
    await listener.query(`listen ${KEY_REVOKED_CHANNEL}`);
    try {
      await expect(
        t.db.tx(async (tx) => {
          await svc.revoke(record.id, tx);
          throw new Error("rolled back");
        }),
      ).rejects.toThrow("rolled back");
      await Bun.sleep(100);
      expect(heard).toEqual([]);
      await t.db.tx((tx) => svc.revoke(record.id, tx));
      for (let i = 0; i < 50 && heard.length === 0; i++) await Bun.sleep(20);
      expect(heard).toEqual([`${KEY_REVOKED_CHANNEL}:${record.id}`]);
    } finally {
      await listener.end();
    }
  });

  test("revoking is idempotent and unknown ids are not found", async () => {
    const svc = new ApiKeyService(t.db);
    const { record } = await svc.create({ name: "twice", role: "admin" });
    const first = await svc.revoke(record.id);
    const second = await svc.revoke(record.id);
    expect(second.after.revokedAt).toBe(first.after.revokedAt);
    await expect(svc.revoke(999999)).rejects.toMatchObject({ code: "not_found" });
  });
});
