import pg from "pg";
import { TollwayError } from "../errors/tollway-error.ts";

/**
 * libpq's multi-host connection strings for node-postgres, which connects to one host only:
 * `postgres://user@h1:5432,h2:5433/db?target_session_attrs=read-write`. Each new connection tries
 * the hosts in order and keeps the first that answers and matches target_session_attrs (checked as
 * libpq does: `SHOW transaction_read_only` for read-write / read-only, `pg_is_in_recovery()` for
 * primary / standby). After a failover the old primary's connections break (57P01, connection
 * reset) or refuse writes (25006); those errors are transient, the pool discards the connection,
 * and the next one finds the new primary: no restart.
 */

export const TARGET_SESSION_ATTRS = ["any", "read-write", "read-only", "primary", "standby", "prefer-standby"] as const;
export type TargetSessionAttrs = (typeof TARGET_SESSION_ATTRS)[number];

export interface DatabaseHost {
  host: string;
  port: number;
}

export interface DatabaseTarget {
  hosts: DatabaseHost[];
  targetSessionAttrs: TargetSessionAttrs;
  /** The URL of one host (same user, database and parameters, target_session_attrs removed). */
  urlFor(host: DatabaseHost): string;
}

const URL_SHAPE = /^(postgres(?:ql)?:\/\/)([^@/?#]*@)?([^/?#]*)(.*)$/;

/** Splits a postgres:// URL into its hosts and target_session_attrs; throws a config error naming what is wrong. */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const m = URL_SHAPE.exec(url.trim());
  if (!m) throw new TollwayError("config", "database URL must start with postgres:// or postgresql://");
  const [, scheme, userinfo = "", hostList, rest = ""] = m as unknown as [string, string, string | undefined, string, string | undefined];
  const hosts = hostList.split(",").map((part): DatabaseHost => {
    const hp = /^(\[[^\]]+\]|[^:]*)(?::(\d*))?$/.exec(part);
    if (!hp) throw new TollwayError("config", `database URL host "${part}" is not host or host:port`);
    const host = hp[1]!.replace(/^\[(.*)\]$/, "$1") || "localhost";
    const port = hp[2] ? Number(hp[2]) : 5432;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TollwayError("config", `database URL port of "${part}" is not 1-65535`);
    return { host, port };
  });
  const q = rest.indexOf("?");
  const path = q < 0 ? rest : rest.slice(0, q);
  const params = new URLSearchParams(q < 0 ? "" : rest.slice(q + 1));
  const attrs = params.get("target_session_attrs") ?? "any";
  if (!(TARGET_SESSION_ATTRS as readonly string[]).includes(attrs)) {
    throw new TollwayError("config", `database URL target_session_attrs must be one of ${TARGET_SESSION_ATTRS.join(", ")} (got "${attrs}")`);
  }
  params.delete("target_session_attrs");
  const query = params.toString();
  return {
    hosts,
    targetSessionAttrs: attrs as TargetSessionAttrs,
    urlFor: (h) => `${scheme}${userinfo}${h.host.includes(":") ? `[${h.host}]` : h.host}:${h.port}${path}${query ? `?${query}` : ""}`,
  };
}

/** What a server says about itself, the two facts target_session_attrs looks at. */
export interface ServerState {
  readOnly: boolean;
  inRecovery: boolean;
}

/** Whether a server fits; prefer-standby takes a standby on the first pass and any server on the second. */
export function matchesTarget(attrs: TargetSessionAttrs, s: ServerState, pass: 1 | 2): boolean {
  switch (attrs) {
    case "any":
      return true;
    case "read-write":
      return !s.readOnly;
    case "read-only":
      return s.readOnly;
    case "primary":
      return !s.inRecovery;
    case "standby":
      return s.inRecovery;
    case "prefer-standby":
      return pass === 2 || s.inRecovery;
  }
}

async function serverState(client: pg.Client): Promise<ServerState> {
  const ro = await client.query<{ transaction_read_only: string }>("show transaction_read_only");
  const rec = await client.query<{ r: boolean }>("select pg_catalog.pg_is_in_recovery() as r");
  return { readOnly: ro.rows[0]?.transaction_read_only === "on", inRecovery: rec.rows[0]?.r === true };
}

type ConnectCallback = (err: Error) => void;

/**
 * A pg.Client class for the pool's `Client` option. A pg.Client connects once, so the host is
 * chosen first: a short-lived probe connection tries the hosts in order and checks the session
 * attributes; then this client connects to the chosen host and checks them again (the server may
 * have changed in between). The probe costs one extra connection per new pooled connection, only
 * for multi-host or non-"any" URLs.
 */
export function multiHostClient(target: DatabaseTarget, perHostTimeoutMs: number): typeof pg.Client {
  // For read-write and primary (one host fits at a time) the walk starts at the host that fitted last:
  // after a failover, new connections do not wait each time on a dead first host (up to
  // perHostTimeoutMs when it is unreachable rather than refusing). Other attributes keep libpq's order.
  const single = target.targetSessionAttrs === "read-write" || target.targetSessionAttrs === "primary";
  let lastFit = 0;
  return class MultiHostClient extends pg.Client {
    override connect(): Promise<pg.Client>;
    override connect(callback: (err: Error) => void): void;
    override connect(callback?: ConnectCallback): Promise<pg.Client> | void {
      const done = this.connectToTarget().then(() => this as pg.Client);
      if (!callback) return done;
      done.then(
        () => (callback as (err: Error | null) => void)(null),
        (err: Error) => callback(err),
      );
    }

    private async connectToTarget(): Promise<void> {
      const chosen = await this.choose();
      // The fields pg.Client connects with (set from the URL in its constructor).
      Object.assign(this, { host: chosen.host, port: chosen.port });
      Object.assign((this as unknown as { connectionParameters: object }).connectionParameters, { host: chosen.host, port: chosen.port });
      await super.connect();
      if (target.targetSessionAttrs === "any" || target.targetSessionAttrs === "prefer-standby") return;
      const state = await serverState(this);
      if (!matchesTarget(target.targetSessionAttrs, state, 1)) {
        await this.end().catch(() => undefined);
        throw Object.assign(new Error(`Connection terminated: ${chosen.host}:${chosen.port} is no longer ${target.targetSessionAttrs}`), { code: "08006" });
      }
    }

    private async choose(): Promise<DatabaseHost> {
      const tried: string[] = [];
      const start = single ? lastFit : 0;
      const hosts = [...target.hosts.slice(start), ...target.hosts.slice(0, start)];
      for (const pass of target.targetSessionAttrs === "prefer-standby" ? ([1, 2] as const) : ([1] as const)) {
        for (const h of hosts) {
          const probe = new pg.Client({
            connectionString: target.urlFor(h),
            connectionTimeoutMillis: perHostTimeoutMs,
            application_name: "tollway-host-probe",
          });
          probe.on("error", () => undefined);
          try {
            await probe.connect();
            if (target.targetSessionAttrs === "any" || matchesTarget(target.targetSessionAttrs, await serverState(probe), pass)) {
              lastFit = target.hosts.indexOf(h);
              return h;
            }
            tried.push(`${h.host}:${h.port} is not ${target.targetSessionAttrs}`);
          } catch (e) {
            tried.push(`${h.host}:${h.port}: ${(e as Error).message}`);
          } finally {
            await probe.end().catch(() => undefined);
          }
        }
      }
      // "Connection terminated" and 08001 mark it transient: the retry paths try again.
      throw Object.assign(new Error(`Connection terminated: no database host is ${target.targetSessionAttrs} (${tried.join("; ")})`), { code: "08001" });
    }
  } as unknown as typeof pg.Client;
}
