import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EmbeddedPostgres, type EmbeddedPostgresOptions } from "../../core/embedded/embedded-postgres.ts";

/**
 * The embedded PostgreSQL of `bun run start` in a throwaway folder (fsync off), for tests that run
 * on it. The folder is searchable by others: as root the server runs as its own OS user.
 */
export interface EmbeddedTestServer {
  url: string;
  server: EmbeddedPostgres;
  /** The folder holding the cluster (DATA_DIR); removed by stop(). */
  dir: string;
  stop(): Promise<void>;
}

export function throwawayDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tollway-embedded-"));
  chmodSync(dir, 0o755);
  return dir;
}

export async function startEmbeddedPostgres(opts: Partial<EmbeddedPostgresOptions> = {}): Promise<EmbeddedTestServer> {
  const dir = throwawayDataDir();
  const server = new EmbeddedPostgres({ dataDir: join(dir, "postgres"), noSync: true, settings: { fsync: "off" }, ...opts });
  try {
    const url = await server.start();
    return {
      url,
      server,
      dir,
      async stop() {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
