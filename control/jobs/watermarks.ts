import type { Queryable } from "../../core/db/database.ts";

/** control_watermarks: how far each continuous job has got, so a restart resumes without gaps. */
export class Watermarks {
  constructor(private readonly db: Queryable) {}

  async get(job: string): Promise<number | undefined> {
    const r = await this.db.maybeOne<{ t: Date }>("select computed_to as t from control_watermarks where job = $1", [job]);
    return r ? r.t.getTime() : undefined;
  }

  async set(job: string, computedToMs: number, q: Queryable = this.db): Promise<void> {
    await q.query(
      `insert into control_watermarks (job, computed_to, updated_at) values ($1, $2, now())
       on conflict (job) do update set computed_to = excluded.computed_to, updated_at = now()`,
      [job, new Date(computedToMs)],
    );
  }
}
