import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { Database } from "./database.ts";
import { LeaderLease } from "./leader-lease.ts";

describe("LeaderLease", () => {
  let t: TestDatabase;
  const dbs: Database[] = [];
  const instance = (name: string) => {
    const db = new Database({ url: t.url, max: 2, applicationName: name });
    dbs.push(db);
    return new LeaderLease(db, { key: 4242, name });
  };
  beforeAll(async () => {
    t = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => {
    for (const d of dbs) await d.close();
    await t.drop();
  });

  test("one holder at a time; when the holder's session dies the other takes over, and the old holder knows it lost", async () => {
    const a = instance("lease-a");
    const b = instance("lease-b");
    expect(await a.hold()).toBe(true);
    expect(await b.hold()).toBe(false);
    expect(await a.hold()).toBe(true);
    // A's session ends (its process died or its connection broke): the server releases the lock.
    await t.db.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and application_name = 'lease-a'", [t.name]);
    await Bun.sleep(100);
    expect(await b.hold()).toBe(true);
    expect(await a.hold()).toBe(false);
    expect(await a.hold()).toBe(false);
    // Closing releases it.
    await b.close();
    expect(await a.hold()).toBe(true);
    await a.close();
  });

  test("two schedulers asking one lease at once share one check: one connection, one lock", async () => {
    const a = instance("lease-shared");
    const answers = await Promise.all([a.hold(), a.hold(), a.hold()]);
    expect(answers).toEqual([true, true, true]);
    const sessions = await t.db.query("select pid from pg_stat_activity where datname = $1 and application_name = 'lease-shared'", [t.name]);
    expect(sessions).toHaveLength(1);
    const locks = await t.db.query("select 1 from pg_locks where locktype = 'advisory' and objid = 4242 and granted");
    expect(locks).toHaveLength(1);
    await a.close();
  });
});
