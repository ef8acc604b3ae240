import type { Queryable } from "../../core/db/database.ts";

/**
 * The time of the newest read the ingest has stored (gantry_status, one row per gantry, so this is
 * cheap), for replays of recorded or simulated traffic whose timestamps are not the wall clock
 * (CONTROL_CLOCK=data). Falls back to the wall clock before any read has arrived.
 */
export function dataClock(db: Queryable): () => Promise<number> {
  return async () => {
    const r = await db.maybeOne<{ t: Date | null }>("select max(last_read_at) as t from gantry_status");
    // just after the newest read, so that read is in the (half-open) windows the jobs read
    return r?.t ? r.t.getTime() + 1 : Date.now();
  };
}
