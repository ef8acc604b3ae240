import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { NetworkStore } from "../../core/network/network-store.ts";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { CurrentNetworkJob } from "./current-network-job.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());

const active = (id: string) => t.db.maybeOne<{ active: boolean }>("select active from gantries where id = $1", [id]);

describe("CurrentNetworkJob", () => {
  test("a version added ahead of its date becomes the current network when its date comes, once", async () => {
    const job = new CurrentNetworkJob(t.db);
    await job.runOnce();
    const start = Date.now() + 1500;
    await new NetworkStore(t.db).add({ code: "soon", validFrom: new Date(start).toISOString(), renumber: [{ from: "01F0017N", to: "01F0018N" }] });
    // added, but not yet in force: the current tables are unchanged
    expect(await active("01F0017N")).toEqual({ active: true });
    expect(await active("01F0018N")).toBeUndefined();
    await job.runOnce();
    expect(await active("01F0018N")).toBeUndefined();
    while (Date.now() < start + 100) await Bun.sleep(50);
    await job.runOnce();
    expect(await active("01F0017N")).toEqual({ active: false });
    expect(await active("01F0018N")).toEqual({ active: true });
    // nothing moved: no write, so the ingest is not made to reload
    const before = await t.db.one<{ v: string }>("select version::text as v from ingest_reference_version");
    await job.runOnce();
    expect(await t.db.one("select version::text as v from ingest_reference_version")).toEqual(before);
  });
});
