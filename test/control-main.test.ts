import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

// bun run control: starts, runs its jobs once (watermarks appear), stops cleanly on SIGTERM.
let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => tdb.drop());

describe("control main", () => {
  test("runs the jobs and stops on SIGTERM with exit code 0", async () => {
    const proc = Bun.spawn(["bun", "run", join(import.meta.dir, "..", "control", "main.ts")], {
      env: { ...process.env, DATABASE_URL: tdb.url, LOG_LEVEL: "info" },
      stderr: "pipe",
      stdout: "pipe",
    });
    const deadline = Date.now() + 30_000;
    let marks: { job: string }[] = [];
    while (Date.now() < deadline) {
      marks = await tdb.db.query<{ job: string }>("select job from control_watermarks order by job");
      if (marks.length >= 2) break;
      await Bun.sleep(200);
    }
    expect(marks.map((m) => m.job)).toEqual(["traveltime", "trips"]);
    proc.kill("SIGTERM");
    const code = await proc.exited;
    const log = await new Response(proc.stderr).text();
    expect(code).toBe(0);
    expect(log).toContain("control started");
    expect(log).toContain("control stopped");
  });

  test("CONTROL_CLOCK=data computes up to the newest stored read (a replay of 2024 traffic)", async () => {
    await tdb.db.query("delete from control_watermarks");
    const t = Date.parse("2024-03-25T08:00:00+08:00");
    await tdb.db.query(
      `insert into passages (ts, gantry_id, tag_id, read_class, vehicle_class, batch_no) values
         ($1, '01F0005S', 'R1', 31, 31, 1), ($2, '01F0017S', 'R1', 31, 31, 1)`,
      [new Date(t), new Date(t + 60_000)],
    );
    await tdb.db.query("insert into gantry_status (gantry_id, last_seen_at, last_batch_no, last_read_at) values ('01F0017S', now(), 1, $1)", [
      new Date(t + 60_000),
    ]);
    const proc = Bun.spawn(["bun", "run", join(import.meta.dir, "..", "control", "main.ts")], {
      env: { ...process.env, DATABASE_URL: tdb.url, LOG_LEVEL: "warn", CONTROL_CLOCK: "data" },
      stderr: "pipe",
      stdout: "pipe",
    });
    const deadline = Date.now() + 30_000;
    let mark: { t: Date } | undefined;
    while (Date.now() < deadline && !mark) {
      mark = await tdb.db.maybeOne<{ t: Date }>("select computed_to as t from control_watermarks where job = 'traveltime'");
      if (!mark) await Bun.sleep(200);
    }
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    expect(mark!.t.getTime()).toBe(t);
    const st = await tdb.db.one<{ tt: number }>("select travel_time_s as tt from segment_stats where source = 'computed'");
    expect(st.tt).toBe(60);
  });
});
