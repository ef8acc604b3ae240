import { isTransientDbError } from "./database.ts";

/**
 * Runs `fn` again while it fails because the database is away (isTransientDbError: connection
 * lost, server starting or shutting down); any other error is thrown at once. The one retry loop
 * of every component: the ingest's start and group builds, the control jobs' start.
 */
export interface TransientRetry {
  /** Attempts in all; the failure of the last one is thrown (default: no limit). */
  maxAttempts?: number;
  /**
   * Waits before attempt `attempt + 1` (and logs, counts, ...). Resolving false gives up quietly:
   * retryTransient then resolves undefined, e.g. when the process is stopping.
   */
  pause: (attempt: number, err: unknown) => Promise<boolean>;
}

export async function retryTransient<T>(fn: () => Promise<T>, { maxAttempts = Number.POSITIVE_INFINITY, pause }: TransientRetry): Promise<T | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!isTransientDbError(e) || attempt >= maxAttempts) throw e;
      if (!(await pause(attempt, e))) return undefined;
    }
  }
}
