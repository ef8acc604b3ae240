import { loadConfig, requireDatabaseUrl, type Config } from "../config/config.ts";
import { Database } from "../db/database.ts";
import { isTollwayError } from "../errors/tollway-error.ts";
import { createLogger, type Logger } from "../log/logger.ts";

/**
 * The edge of every program: parse the environment once, build a logger, run, and turn any error
 * into one readable line and a non-zero exit code (2 for configuration, 1 otherwise).
 */
export interface MainContext {
  config: Config;
  logger: Logger;
  args: string[];
  /** Opens the database named by DATABASE_URL; the caller closes it. */
  openDatabase(applicationName?: string): Database;
}

export async function runMain(component: string, fn: (ctx: MainContext) => Promise<void | number>): Promise<never> {
  let logger: Logger = createLogger({ bindings: { component } });
  try {
    const config = loadConfig(process.env);
    logger = createLogger({ level: config.logLevel, bindings: { component } });
    const ctx: MainContext = {
      config,
      logger,
      args: process.argv.slice(2),
      openDatabase: (applicationName = `tollway-${component}`) =>
        new Database({ url: requireDatabaseUrl(config), max: config.databasePoolMax, logger, applicationName }),
    };
    const code = await fn(ctx);
    process.exit(typeof code === "number" ? code : 0);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`${component}: ${message}\n`);
    if (!isTollwayError(e)) logger.error("unexpected failure", { err: e });
    process.exit(isTollwayError(e) && e.code === "config" ? 2 : 1);
  }
}
