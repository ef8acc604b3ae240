import { TollwayError } from "../errors/tollway-error.ts";

/**
 * Whether the TimescaleDB layer applies, from the TIMESCALEDB mode and what the server offers. One
 * pure rule so the migrator and its tests agree on every case.
 *
 * - "absent": the server has no timescaledb extension to create.
 * - "not-preloaded": the extension is installed on the server but its library is not in
 *   shared_preload_libraries, so CREATE EXTENSION fails ("must be preloaded").
 * - "ready": already created in this database, or created now.
 */
export type TimescaleAvailability = "absent" | "not-preloaded" | "ready";

export interface TimescaleDecision {
  apply: boolean;
  /** Logged as a warning when the portable schema is used although TimescaleDB could be. */
  warning?: string;
}

/** The setting an operator changes to let TimescaleDB load (then restarts PostgreSQL). */
export const PRELOAD_SETTING = "shared_preload_libraries = 'timescaledb'";

export const NOT_PRELOADED_MESSAGE =
  `the server has TimescaleDB installed but not preloaded: add ${PRELOAD_SETTING} to postgresql.conf ` +
  "(keep any libraries already listed, comma-separated) and restart PostgreSQL";

export function decideTimescale(mode: "auto" | "on" | "off", availability: TimescaleAvailability): TimescaleDecision {
  if (mode === "off") return { apply: false };
  if (availability === "ready") return { apply: true };
  if (availability === "absent") {
    if (mode === "on") throw new TollwayError("config", "TIMESCALEDB=on but the server has no timescaledb extension: install it, or set TIMESCALEDB=auto");
    return { apply: false };
  }
  if (mode === "on") throw new TollwayError("config", `TIMESCALEDB=on but ${NOT_PRELOADED_MESSAGE}`);
  return { apply: false, warning: `TIMESCALEDB=auto applies the portable schema: ${NOT_PRELOADED_MESSAGE}` };
}

/** The error CREATE EXTENSION timescaledb raises when the library was not preloaded. */
export const isNotPreloadedError = (e: unknown): boolean => /must be preloaded/i.test((e as { message?: string } | undefined)?.message ?? "");
