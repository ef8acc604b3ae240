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
});
