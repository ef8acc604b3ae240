import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ApiKeyService } from "../auth/api-keys.ts";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";

const root = new URL("../../", import.meta.url).pathname;
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ seed: false });
});
afterAll(() => t.drop());

const run = (args: string[]) => {
  const p = Bun.spawnSync(["bun", "run", "keys", ...args], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: t.url, LOG_LEVEL: "silent" },
  });
  return { code: p.exitCode, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
};

describe("bun run keys", () => {
  test("create prints the key alone on the last line; it authenticates; list and revoke work", async () => {
    const r = run(["create", "--role", "admin", "--name", "first admin"]);
    expect(r.code).toBe(0);
    const key = r.stdout.trimEnd().split("\n").at(-1)!;
    expect(key).toMatch(/^tw_[A-Za-z0-9_-]{43}$/);
    const svc = new ApiKeyService(t.db);
    const auth = await svc.verify(key);
    expect(auth).toMatchObject({ role: "admin", name: "first admin" });
    // Only the hash is stored.
    const stored = await t.db.one<{ key_hash: string }>("select key_hash from api_keys where id = $1", [auth!.keyId]);
    expect(stored.key_hash).not.toContain(key);
    expect(stored.key_hash).toMatch(/^[0-9a-f]{64}$/);

    const list = run(["list", "--json"]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id: auth!.keyId, role: "admin", revokedAt: null })]);
    expect(list.stdout).not.toContain(key);

    expect(run(["revoke", String(auth!.keyId)]).code).toBe(0);
    expect(await svc.verify(key)).toBeUndefined();
    const audit = await t.db.query<{ action: string; actor: string }>("select action, actor from audit_log order by id");
    expect(audit).toEqual([
      { action: "api_key.create", actor: "cli" },
      { action: "api_key.revoke", actor: "cli" },
    ]);
  });

  test("an unknown role is refused with a readable message and exit code 1", () => {
    const r = run(["create", "--role", "emperor"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--role must be one of admin, toll_operator, traffic_operator, auditor");
  });
});
