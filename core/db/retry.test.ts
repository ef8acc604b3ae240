import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { Database } from "./database.ts";
import { retryTransient } from "./retry.ts";

describe("retryTransient", () => {
  let t: TestDatabase;
  // Nothing listens on port 9: connecting is refused, as when the server is down.
  const down = new Database({ url: "postgres://postgres@127.0.0.1:9/tollway", max: 1, connectTimeoutMs: 2000 });
  beforeAll(async () => {
    t = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => {
    await down.close();
    await t.drop();
  });

  test("retries while the database is away, then returns what the call gives", async () => {
    let calls = 0;
    const pauses: number[] = [];
    const v = await retryTransient(
      async () => {
        calls++;
        const db = calls < 3 ? down : t.db;
        return (await db.one<{ v: number }>("select 42 as v")).v;
      },
      { pause: async (attempt) => (pauses.push(attempt), true) },
    );
    expect(v).toBe(42);
    expect(calls).toBe(3);
    expect(pauses).toEqual([1, 2]);
  });

  test("any other error is thrown at once", async () => {
    let pauses = 0;
    await expect(retryTransient(() => t.db.query("select no_such_function()"), { pause: async () => (pauses++, true) })).rejects.toThrow(/no_such_function/);
    expect(pauses).toBe(0);
  });

  test("after maxAttempts the last failure is thrown", async () => {
    let calls = 0;
    const run = retryTransient(
      () => {
        calls++;
        return down.query("select 1");
      },
      { maxAttempts: 3, pause: async () => true },
    );
    await expect(run).rejects.toThrow();
    expect(calls).toBe(3);
  });

  test("a pause that says stop gives up quietly", async () => {
    let calls = 0;
    const v = await retryTransient(
      () => {
        calls++;
        return down.query("select 1");
      },
      { pause: async (attempt) => attempt < 2 },
    );
    expect(v).toBeUndefined();
    expect(calls).toBe(2);
  });
});
