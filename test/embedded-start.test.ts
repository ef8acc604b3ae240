import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";

// `bun run start` with no DATABASE_URL: embedded PGlite on a local port, migrated and seeded,
// data kept in DATA_DIR across restarts, Ctrl-C stops cleanly.
const root = resolve(import.meta.dir, "..");
const dataDir = mkdtempSync(join(tmpdir(), "tollway-embedded-"));

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
    s.on("error", rej);
  });
}

async function startSystem(port: number) {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== "DATABASE_URL") env[k] = v;
  Object.assign(env, { DATA_DIR: dataDir, EMBEDDED_DB_PORT: String(port), START_COMPONENTS: "none", LOG_LEVEL: "warn" });
  const proc = Bun.spawn(["bun", join(root, "core/cli/start.ts")], { cwd: root, env, stdout: "pipe", stderr: "pipe" });
  const reader = proc.stdout.getReader();
  let out = "";
  const deadline = Date.now() + 60_000;
  while (!out.includes("Press Ctrl-C to stop.")) {
    if (Date.now() > deadline) throw new Error(`start did not become ready:\n${out}\n${await new Response(proc.stderr).text()}`);
    const { value, done } = await reader.read();
    if (done) throw new Error(`start exited early:\n${out}\n${await new Response(proc.stderr).text()}`);
    out += new TextDecoder().decode(value);
  }
  return {
    out,
    async stop() {
      proc.kill("SIGINT");
      const code = await proc.exited;
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        out += new TextDecoder().decode(value);
      }
      return { code, out };
    },
  };
}

async function withClient<T>(port: number, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

describe("embedded default", () => {
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test("starts PGlite, migrates, seeds, accepts pg connections, and keeps data across a restart", async () => {
    const port = await freePort();
    const first = await startSystem(port);
    expect(first.out).toContain(`embedded database: postgres://postgres@127.0.0.1:${port}/postgres`);
    const counts = await withClient(port, async (c) => {
      const r = await c.query("select (select count(*) from gantries)::int as g, (select count(*) from toll_zones)::int as z");
      await c.query("insert into accounts (name) values ('kept across restarts')");
      return r.rows[0];
    });
    expect(counts).toEqual({ g: 339, z: 331 });
    // Two clients at once, as the components connect in parallel.
    const both = await Promise.all([1, 2].map((i) => withClient(port, async (c) => (await c.query("select $1::int as i", [i])).rows[0].i)));
    expect(both).toEqual([1, 2]);
    const stopped = await first.stop();
    expect(stopped.code).toBe(0);
    expect(stopped.out).toContain("Tollway stopped.");

    const second = await startSystem(port);
    const kept = await withClient(port, async (c) => (await c.query("select count(*)::int as n from accounts where name = 'kept across restarts'")).rows[0].n);
    expect(kept).toBe(1);
    expect((await second.stop()).code).toBe(0);
  }, 120_000);
});
