import { TollwayError } from "../errors/tollway-error.ts";
import { Database } from "./database.ts";

/**
 * Whole databases on one PostgreSQL server: created and dropped by tests and benchmarks for their
 * own scratch data. Each call uses one short connection to the server's URL (e.g. .../postgres).
 */
export class DatabaseServer {
  constructor(readonly url: string) {}

  /** The URL of database `name` on this server (same host, user and options). */
  urlOf(name: string): string {
    const u = new URL(this.url);
    u.pathname = `/${databaseName(name)}`;
    return u.toString();
  }

  async exists(name: string): Promise<boolean> {
    return this.admin(async (db) => (await db.maybeOne("select 1 from pg_database where datname = $1", [name])) !== undefined);
  }

  /** Creates the database (empty); returns its URL. */
  async create(name: string): Promise<string> {
    await this.admin((db) => db.query(`create database ${databaseName(name)}`));
    return this.urlOf(name);
  }

  /** Drops it if it exists, disconnecting whoever is still connected. */
  async drop(name: string): Promise<void> {
    await this.admin((db) => db.query(`drop database if exists ${databaseName(name)} with (force)`));
  }

  private async admin<T>(fn: (db: Database) => Promise<T>): Promise<T> {
    const db = new Database({ url: this.url, max: 1 });
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  }
}

function databaseName(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new TollwayError("internal", `not a safe database name: ${name}`);
  return name;
}
