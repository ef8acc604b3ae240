import { afterAll, describe, expect, test } from "bun:test";
import pg from "pg";
import { freeLocalPort } from "../core/embedded/embedded-postgres.ts";
import { throwawayDataDir } from "./support/embedded.ts";
import { Stack } from "./support/stack.ts";
import { readFileSync, rmSync } from "node:fs";

// `bun run start` with no DATABASE_URL: the embedded PostgreSQL on a local port, migrated and seeded,
// data kept in DATA_DIR across restarts (also after the whole stack was killed), Ctrl-C stops all.
const dataDir = throwawayDataDir();
const stacks: Stack[] = [];

async function withClient<T>(port: number, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Running, and not a zombie waiting to be reaped. */
const alive = (pid: number) => {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

async function start(port: number): Promise<Stack> {
  const s = await Stack.start({ dataDir, env: { EMBEDDED_DB_PORT: String(port), START_COMPONENTS: "none" } });
  stacks.push(s);
  return s;
}

describe("embedded default", () => {
  afterAll(async () => {
    for (const s of stacks) await s.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("starts PostgreSQL, migrates, seeds, accepts pg connections, keeps data across a restart and after kill -9 of everything", async () => {
    const port = freeLocalPort();
    const first = await start(port);
    expect(first.out).toContain(`embedded database: postgres://postgres@127.0.0.1:${port}/postgres`);
    const counts = await withClient(port, async (c) => {
      const r = await c.query(
        "select (select count(*) from gantries)::int as g, (select count(*) from toll_zones)::int as z, current_setting('server_version_num')::int / 10000 as major",
      );
      await c.query("insert into accounts (name) values ('kept across restarts')");
      return r.rows[0];
    });
    expect(counts).toEqual({ g: 339, z: 331, major: 17 });
    // Two clients at once, as the components connect in parallel.
    const both = await Promise.all([1, 2].map((i) => withClient(port, async (c) => (await c.query("select $1::int as i", [i])).rows[0].i)));
    expect(both).toEqual([1, 2]);
    const postgres = first.postgresPid()!;
    expect(alive(postgres)).toBe(true);
    // Ctrl-C reaches the launcher twice under `bun run start` (the terminal's and the one bun passes on).
    expect(await first.stop("SIGINT", 2)).toBe(0);
    expect(first.out).toContain("Tollway stopped.");
    // Ctrl-C stopped the database too.
    expect(alive(postgres)).toBe(false);

    const second = await start(port);
    const kept = await withClient(port, async (c) => (await c.query("select count(*)::int as n from accounts where name = 'kept across restarts'")).rows[0].n);
    expect(kept).toBe(1);
    await withClient(port, (c) => c.query("insert into accounts (name) values ('committed before the kill')"));
    // The whole stack dies at once: launcher and database, postmaster.pid stays behind.
    await second.kill();
    const third = await start(port);
    expect(third.logsOf("removed a stale postmaster.pid (the embedded database had been killed)").length).toBe(1);
    const after = await withClient(
      port,
      async (c) => (await c.query("select count(*)::int as n from accounts where name in ('kept across restarts', 'committed before the kill')")).rows[0].n,
    );
    expect(after).toBe(2);
    expect(await third.stop()).toBe(0);
  }, 180_000);
});
