import { Database } from "../../core/db/database.ts";
import { DatabaseServer } from "../../core/db/database-server.ts";
import { silentLogger, type Logger } from "../../core/log/logger.ts";
import { Migrator, defaultSqlDir } from "../../core/migrate/migrator.ts";
import { Seeder } from "../../core/seed/seeder.ts";

/**
 * A fresh database on the real PostgreSQL server for one test file: created empty, migrated and (by
 * default) seeded with the real network; dropped by `drop()`. TEST_ADMIN_DATABASE_URL points at the
 * server (default: the CI server, postgres@127.0.0.1:5432).
 */
export const adminUrl = process.env.TEST_ADMIN_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  name: string;
  url: string;
  db: Database;
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  migrate?: boolean;
  seed?: boolean;
  logger?: Logger;
  poolMax?: number;
}

export async function createTestDatabase(opts: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const name = `tollway_test_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const server = new DatabaseServer(adminUrl);
  const url = await server.create(name);
  const db = new Database({ url, max: opts.poolMax ?? 10, logger: opts.logger ?? silentLogger, applicationName: "tollway-test" });
  if (opts.migrate ?? true) {
    await new Migrator({ db, sqlDir: defaultSqlDir, timescaledb: "off", tollTimezone: "Asia/Taipei" }).run();
    if (opts.seed ?? true) await new Seeder(db).run();
  }
  return {
    name,
    url,
    db,
    async drop() {
      await db.close().catch(() => undefined);
      await server.drop(name);
    },
  };
}
