import { describe, expect, test } from "bun:test";
import { adminUrl } from "../../test/support/test-database.ts";
import { Database } from "./database.ts";
import { DatabaseServer } from "./database-server.ts";

describe("DatabaseServer", () => {
  test("creates a database that can be connected to, reports it, and drops it even while connected", async () => {
    const server = new DatabaseServer(adminUrl);
    const name = `tollway_test_server_${process.pid}`;
    expect(await server.exists(name)).toBe(false);
    const url = await server.create(name);
    expect(url).toBe(server.urlOf(name));
    expect(new URL(url).pathname).toBe(`/${name}`);
    expect(await server.exists(name)).toBe(true);
    const db = new Database({ url, max: 1 });
    expect((await db.one<{ d: string }>("select current_database() as d")).d).toBe(name);
    await server.drop(name);
    expect(await server.exists(name)).toBe(false);
    await db.close().catch(() => undefined);
    await server.drop(name); // dropping what is not there is not an error
  });

  test("refuses names that are not plain identifiers", () => {
    const server = new DatabaseServer(adminUrl);
    expect(() => server.urlOf("x; drop database postgres")).toThrow(/not a safe database name/);
    expect(() => server.urlOf("Upper")).toThrow(/not a safe database name/);
  });
});
