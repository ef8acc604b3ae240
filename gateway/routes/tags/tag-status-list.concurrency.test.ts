import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createTestGateway, expectJson, type TestGateway } from "../../../test/support/gateway.ts";
import { createAccount, createTag, insertPassages, keelungToRende, trip } from "../../../test/support/tolling.ts";

/**
 * The tag status list delta never loses a change: versions are given in commit order (sql/660), so
 * a partner asking "since N" sees every change committed after the answer that gave it N, even when
 * the change was written before (settlement writes tag changes inside its long transaction).
 */
let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway();
});
afterAll(() => gw.close());

interface Delta {
  version: number;
  items: { tagId: string; status: string; version: number }[];
}
const poll = async (since: number): Promise<Delta> => expectJson(await gw.request(`/v1/tag-status-list?since=${since}`, { role: "auditor" }), 200);

/** A partner: its view of every tag, and every (tag, version) it was given, to find one given twice. */
class Partner {
  readonly view = new Map<string, { status: string; version: number }>();
  readonly seen = new Set<string>();
  duplicates = 0;
  since = 0;
  polls = 0;
  async poll(): Promise<void> {
    const d = await poll(this.since);
    for (const i of d.items) {
      const key = `${i.tagId}@${i.version}`;
      if (this.seen.has(key)) this.duplicates++;
      this.seen.add(key);
      expect(i.version).toBeGreaterThan(this.since);
      this.view.set(i.tagId, { status: i.status, version: i.version });
    }
    expect(d.version).toBeGreaterThanOrEqual(this.since);
    this.since = d.version;
    this.polls++;
  }
}

const dbView = async () =>
  new Map(
    (await gw.testDb.db.query<{ id: string; status: string; status_version: number }>("select id, status, status_version from tags")).map((r) => [
      r.id,
      { status: r.status, version: r.status_version },
    ]),
  );

describe("tag status list delta", () => {
  test("a change written before another but committed after it is still delivered", async () => {
    const account = await createAccount(gw.testDb.db, 100_000);
    const early = await createTag(gw.testDb.db, account, "5A7E000000000001");
    const late = await createTag(gw.testDb.db, account, "5A7E000000000002");
    const partner = new Partner();
    await partner.poll();
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    // Like settlement: the change is written early in a transaction that commits later.
    const slow = gw.testDb.db.tx(async (tx) => {
      await tx.query("insert into tag_status_changes (tag_id, status) values ($1, 'blocked')", [early]);
      await tx.query("update tags set status = 'blocked' where id = $1", [early]);
      await held;
    });
    await Bun.sleep(50);
    await expectJson(await gw.request(`/v1/tags/${late}/status`, { method: "POST", role: "toll_operator", json: { status: "blocked" } }), 200);
    await partner.poll();
    expect(partner.view.get(late)?.status).toBe("blocked");
    release();
    await slow;
    await partner.poll();
    expect(partner.view.get(early)?.status).toBe("blocked");
    expect(partner.view.get(early)?.version).toBeGreaterThan(partner.view.get(late)?.version ?? Number.MAX_SAFE_INTEGER);
    expect(partner.duplicates).toBe(0);
  });

  test("a partner polling while settlement processes and tag routes write sees every change once; its final view equals the database", async () => {
    const db = gw.testDb.db;
    const zones = keelungToRende().slice(0, 30);
    const days = ["2024-05-06", "2024-05-07", "2024-05-08", "2024-05-09"];
    const ACCOUNTS = 240;
    const accounts: number[] = [];
    const tags: string[] = [];
    for (let i = 0; i < ACCOUNTS; i++) {
      // Each day costs every tag the same; the balance runs out on a different day per account.
      const a = await createAccount(db, 1000 + (i % 5) * 900 + 1);
      accounts.push(a);
      tags.push(await createTag(db, a, `C0C0${String(i).padStart(12, "0")}`));
    }
    for (const day of days)
      await insertPassages(
        db,
        tags.flatMap((t, i) => trip(`${day}T0${1 + (i % 8)}:00:00+08:00`, zones, { tagId: t, accountId: accounts[i] })),
      );
    const partner = new Partner();
    await partner.poll();

    let settling = true;
    const settle = (async () => {
      try {
        // Each day settled by its own process, as the scheduler of another gateway would.
        for (const day of days) {
          const p = Bun.spawn(["bun", join(import.meta.dir, "..", "..", "..", "test", "support", "settlement-run-child.ts"), gw.testDb.url, day], {
            stdout: "pipe",
            stderr: "pipe",
          });
          const code = await p.exited;
          if (code !== 0) throw new Error(`settlement of ${day} exited ${code}: ${await new Response(p.stderr).text()}`);
        }
      } finally {
        settling = false;
      }
    })();
    let routeChanges = 0;
    const operator = async (seed: number) => {
      // Blocks and unblocks tags, and tops up accounts (which turns low_balance tags active again).
      for (let k = seed; settling; k += 7) {
        const i = (k * 37) % ACCOUNTS;
        if (k % 3 === 0) {
          await expectJson(
            await gw.request(`/v1/accounts/${accounts[i]}/top-ups`, { method: "POST", role: "toll_operator", json: { amountTenths: 900 } }),
            201,
          );
        } else {
          const tag = await expectJson(await gw.request(`/v1/tags/${tags[i]}`, { role: "auditor" }), 200);
          const status = tag.status === "blocked" ? "active" : "blocked";
          const r = await gw.request(`/v1/tags/${tags[i]}/status`, { method: "POST", role: "toll_operator", json: { status } });
          if (r.status === 200) routeChanges++;
        }
      }
    };
    const polling = (async () => {
      while (settling) {
        await partner.poll();
        await Bun.sleep(5);
      }
    })();
    await Promise.all([settle, operator(1), operator(2), operator(3), polling]);
    await partner.poll();

    const truth = await dbView();
    expect(partner.duplicates).toBe(0);
    for (const [id, v] of truth) expect(partner.view.get(id) ?? null).toEqual(v.version > 0 ? v : null);
    // Every change is either what the partner holds for its tag, or older than it.
    const changes = await db.query<{ tag_id: string; list_version: number }>("select tag_id, list_version from tag_status_changes");
    for (const c of changes) expect(c.list_version).toBeLessThanOrEqual(partner.view.get(c.tag_id)?.version ?? -1);
    const lowBalance = await db.one<{ n: number }>("select count(*)::int as n from tag_status_changes where status = 'low_balance'");
    // The run did what it claims: settlement changed tags, the routes changed tags, the partner polled throughout.
    expect(lowBalance.n).toBeGreaterThan(50);
    expect(routeChanges).toBeGreaterThan(10);
    expect(partner.polls).toBeGreaterThan(5);
    console.log(JSON.stringify({ changes: changes.length, lowBalance: lowBalance.n, routeChanges, polls: partner.polls }));
  }, 120_000);
});
