import { createServer, connect, type Server, type Socket } from "node:net";

/**
 * A TCP proxy in front of the real PostgreSQL server, standing in for one host of a multi-host
 * database URL: it can be stopped (the host dies) and can make its sessions read-only (the host is
 * a standby, as far as libpq's read-write check sees: `SHOW transaction_read_only` says on). The
 * read-only switch adds `-c default_transaction_read_only=on` to the startup message of new
 * connections; existing ones are unchanged.
 */
export interface PgProxy {
  port: number;
  readOnly: boolean;
  /** Connections accepted so far. */
  readonly accepted: number;
  stop(): Promise<void>;
}

const READ_ONLY = "-c default_transaction_read_only=on";

/** Adds the read-only option to a startup message (length, protocol, key\0value\0 … \0). */
function withReadOnly(startup: Buffer): Buffer {
  const pairs: [string, string][] = [];
  const text = startup
    .subarray(8, startup.length - 1)
    .toString("utf8")
    .split("\0");
  for (let i = 0; i + 1 < text.length; i += 2) pairs.push([text[i]!, text[i + 1]!]);
  const options = pairs.find(([k]) => k === "options");
  if (options) options[1] = `${options[1]} ${READ_ONLY}`;
  else pairs.push(["options", READ_ONLY]);
  const body = Buffer.from(pairs.map(([k, v]) => `${k}\0${v}\0`).join("") + "\0", "utf8");
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + body.length, 0);
  startup.copy(head, 4, 4, 8);
  return Buffer.concat([head, body]);
}

export async function startPgProxy(target = { host: "127.0.0.1", port: 5432 }): Promise<PgProxy> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const state = { readOnly: false };
  const server: Server = createServer((client) => {
    accepted++;
    const readOnly = state.readOnly;
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => undefined);
    }
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    let pending = Buffer.alloc(0);
    let started = false;
    client.on("data", (chunk: Buffer) => {
      if (started) {
        upstream.write(chunk);
        return;
      }
      pending = Buffer.concat([pending, chunk]);
      if (pending.length < 4 || pending.length < pending.readInt32BE(0)) return;
      const len = pending.readInt32BE(0);
      started = true;
      upstream.write(readOnly ? withReadOnly(pending.subarray(0, len)) : pending.subarray(0, len));
      if (pending.length > len) upstream.write(pending.subarray(len));
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    get readOnly() {
      return state.readOnly;
    },
    set readOnly(v: boolean) {
      state.readOnly = v;
    },
    get accepted() {
      return accepted;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
