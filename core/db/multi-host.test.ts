import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startPgProxy, type PgProxy } from "../../test/support/pg-proxy.ts";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { freeLocalPort } from "../embedded/embedded-postgres.ts";
import { Database } from "./database.ts";
import { matchesTarget, parseDatabaseUrl } from "./multi-host.ts";
import { retryTransient } from "./retry.ts";

describe("parseDatabaseUrl", () => {
  test("one host keeps user, password, database and parameters", () => {
    const t = parseDatabaseUrl("postgres://tollway:s%40cret@db.example:6432/toll?sslmode=disable");
    expect(t.hosts).toEqual([{ host: "db.example", port: 6432 }]);
    expect(t.targetSessionAttrs).toBe("any");
    expect(t.urlFor(t.hosts[0]!)).toBe("postgres://tollway:s%40cret@db.example:6432/toll?sslmode=disable");
  });

  test("several hosts as libpq writes them: default port 5432, IPv6 in brackets, target_session_attrs taken out", () => {
    const t = parseDatabaseUrl("postgresql://u@h1:5433,h2,[::1]:5434/db?target_session_attrs=read-write&application_name=x");
    expect(t.hosts).toEqual([
      { host: "h1", port: 5433 },
      { host: "h2", port: 5432 },
      { host: "::1", port: 5434 },
    ]);
    expect(t.targetSessionAttrs).toBe("read-write");
    expect(t.urlFor(t.hosts[2]!)).toBe("postgresql://u@[::1]:5434/db?application_name=x");
  });

  test("a bad target_session_attrs or port is a config error naming it", () => {
    expect(() => parseDatabaseUrl("postgres://h1,h2/db?target_session_attrs=master")).toThrow(/target_session_attrs must be one of any, read-write/);
    expect(() => parseDatabaseUrl("postgres://h1:99999/db")).toThrow(/port of "h1:99999"/);
    expect(() => parseDatabaseUrl("mysql://h1/db")).toThrow(/postgres:\/\//);
  });

  test("matchesTarget follows libpq", () => {
    const primary = { readOnly: false, inRecovery: false };
    const standby = { readOnly: true, inRecovery: true };
    const readOnlyPrimary = { readOnly: true, inRecovery: false };
    expect(matchesTarget("read-write", primary, 1)).toBe(true);
    expect(matchesTarget("read-write", readOnlyPrimary, 1)).toBe(false);
    expect(matchesTarget("read-only", readOnlyPrimary, 1)).toBe(true);
    expect(matchesTarget("primary", readOnlyPrimary, 1)).toBe(true);
    expect(matchesTarget("standby", standby, 1)).toBe(true);
    expect(matchesTarget("standby", primary, 1)).toBe(false);
    expect(matchesTarget("prefer-standby", primary, 1)).toBe(false);
    expect(matchesTarget("prefer-standby", primary, 2)).toBe(true);
    expect(matchesTarget("any", standby, 1)).toBe(true);
  });
});

describe("Database with a multi-host URL (real PostgreSQL behind local proxies)", () => {
  let t: TestDatabase;
  const proxies: PgProxy[] = [];
  const dbs: Database[] = [];
  const proxy = async () => {
    const p = await startPgProxy();
    proxies.push(p);
    return p;
  };
  const open = (hosts: string, attrs = "any", applicationName = "tollway-ha-test") => {
    const db = new Database({ url: `postgres://postgres@${hosts}/${t.name}?target_session_attrs=${attrs}`, max: 2, connectTimeoutMs: 4000, applicationName });
    dbs.push(db);
    return db;
  };
  const quickRetry = { maxAttempts: 20, pause: async () => (await Bun.sleep(100), true) };

  beforeAll(async () => {
    t = await createTestDatabase({ migrate: false });
    await t.db.query("create table ha_probe (id serial primary key, note text)");
  });
  afterAll(async () => {
    for (const d of dbs) await d.close().catch(() => undefined);
    for (const p of proxies) await p.stop();
    await t.drop();
  });

  test("a closed first host is passed over: the second answers", async () => {
    const db = open(`127.0.0.1:${freeLocalPort()},127.0.0.1:5432`);
    expect(await db.one("select inet_server_port() as port")).toEqual({ port: 5432 });
  });

  test("read-write skips a read-only host; read-only picks it", async () => {
    const standby = await proxy();
    const primary = await proxy();
    standby.readOnly = true;
    const hosts = `127.0.0.1:${standby.port},127.0.0.1:${primary.port}`;
    const rw = open(hosts, "read-write");
    expect(await rw.one("show transaction_read_only")).toEqual({ transaction_read_only: "off" });
    await rw.tx((tx) => tx.query("insert into ha_probe (note) values ('via primary')"));
    const ro = open(hosts, "read-only");
    expect(await ro.one("show transaction_read_only")).toEqual({ transaction_read_only: "on" });
    // With every host read-only, read-write is a transient error that names each host.
    primary.readOnly = true;
    const none = open(hosts, "read-write");
    await expect(none.query("select 1")).rejects.toThrow(/no database host is read-write .*is not read-write.*is not read-write/);
  });

  test("read-write starts its walk at the host that fitted last (no wait on a dead first host after a failover)", async () => {
    const a = await proxy();
    const b = await proxy();
    a.readOnly = true;
    const db = open(`127.0.0.1:${a.port},127.0.0.1:${b.port}`, "read-write");
    await db.query("select 1");
    const bAfterFirst = b.accepted;
    // Both fit now (libpq's order would pick a): new connections stay on b, which fitted last.
    a.readOnly = false;
    const aBefore = a.accepted;
    await Promise.all([1, 2].map(() => db.tx((tx) => tx.query("select pg_sleep(0.05)"))));
    expect(a.accepted).toBe(aBefore);
    expect(b.accepted).toBeGreaterThan(bAfterFirst);
  });

  test("after a failover (old primary dies or turns standby) the pool reaches the new primary without a restart", async () => {
    const a = await proxy();
    const b = await proxy();
    b.readOnly = true;
    const db = open(`127.0.0.1:${a.port},127.0.0.1:${b.port}`, "read-write", "tollway-ha-failover");
    await db.tx((tx) => tx.query("insert into ha_probe (note) values ('before')"));
    expect(await db.one("show transaction_read_only")).toEqual({ transaction_read_only: "off" });

    // Failover 1: the old primary turns standby, the standby is promoted; the server ends the sessions.
    a.readOnly = true;
    b.readOnly = false;
    await t.db.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'tollway-ha-failover'");
    const bBefore = b.accepted;
    await retryTransient(() => db.tx((tx) => tx.query("insert into ha_probe (note) values ('after promotion')")), quickRetry);
    expect(b.accepted).toBeGreaterThan(bBefore);
    expect(await db.one("show transaction_read_only")).toEqual({ transaction_read_only: "off" });

    // Failover 2: that host dies outright; the first one is primary again.
    a.readOnly = false;
    await b.stop();
    await retryTransient(() => db.tx((tx) => tx.query("insert into ha_probe (note) values ('after death')")), quickRetry);
    const notes = await t.db.query<{ note: string }>("select note from ha_probe where note like 'after%' or note = 'before' order by id");
    expect(notes.map((r) => r.note)).toEqual(["before", "after promotion", "after death"]);
  });
});
