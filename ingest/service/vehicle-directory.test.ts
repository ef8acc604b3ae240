import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Queryable } from "../../core/db/database.ts";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { VehicleDirectory } from "./vehicle-directory.ts";

let tdb: TestDatabase;
const tag = (n: number) => "E280" + n.toString(16).toUpperCase().padStart(20, "0");

beforeAll(async () => {
  tdb = await createTestDatabase({ seed: false });
  await tdb.db.query("insert into accounts (name, kind) values ('fleet', 'fleet'), ('other', 'personal')");
  await tdb.db.query(
    `insert into tags (id, account_id, vehicle_class)
     select 'E280' || lpad(upper(to_hex(g)), 20, '0'), 1, (array[31, 32, 41, 42, 5])[1 + g % 5] from generate_series(0, 49999) g`,
  );
  await tdb.db.query("insert into vehicles (account_id, plate, vehicle_class) values (1, 'ABC-1234', 32)");
  await tdb.db.query("insert into vehicles (account_id, plate, vehicle_class) select 1, 'P-' || g, 31 from generate_series(1, 20000) g");
});

afterAll(async () => {
  await tdb?.drop();
});

/**
 * Waits until no transaction older than now is running anywhere on the server. The directory reads
 * again what transactions still running at its last look may have written (by xid, server-wide), so
 * a long transaction of any other database on the shared server makes it re-read the setup's rows.
 */
async function quietServer(db: Queryable): Promise<void> {
  const { x } = await db.one<{ x: string }>("select pg_current_xact_id()::text as x");
  for (let i = 0; i < 600; i++) {
    const r = await db.one<{ past: boolean }>("select pg_snapshot_xmin(pg_current_snapshot()) > $1::xid8 as past", [x]);
    if (r.past) return;
    await Bun.sleep(100);
  }
  throw new Error("a transaction on the server stayed open for 60 s: the row counts below would not mean anything");
}

/** The real database, counting the rows each query returns. */
function counting(db: Queryable): Queryable & { rows: number } {
  const c = Object.create(db) as Queryable & { rows: number };
  c.rows = 0;
  c.query = async (text, params) => {
    const r = await db.query(text, params);
    c.rows += r.length;
    return r as never;
  };
  return c;
}

describe("VehicleDirectory", () => {
  test("loads every registered tag and plate, page by page; anything else is not registered", async () => {
    const dir = new VehicleDirectory({ pageRows: 7000 });
    expect(dir.loaded).toBe(false);
    await dir.load(tdb.db);
    expect(dir.size).toBe(50_000 + 20_001);
    expect(dir.byTag(tag(0))).toMatchObject({ accountId: 1, vehicleClass: 31 });
    expect(dir.byTag(tag(49_999))).toMatchObject({ accountId: 1, vehicleClass: [31, 32, 41, 42, 5][49_999 % 5]! });
    expect(dir.byTag(tag(50_000))).toBeNull();
    expect(dir.byPlate("ABC-1234")).toMatchObject({ accountId: 1, vehicleClass: 32 });
    expect(dir.byPlate("P-20000")).toMatchObject({ accountId: 1, vehicleClass: 31 });
    expect(dir.byPlate("NOPE-1")).toBeNull();
  });

  test("a refresh applies tags and plates registered or changed since, reading only those rows", async () => {
    await quietServer(tdb.db);
    const dir = new VehicleDirectory();
    await dir.load(tdb.db);
    const db = counting(tdb.db);
    await dir.refresh(db);
    const idle = db.rows;
    expect(idle).toBeLessThan(5);
    await tdb.db.query("insert into tags (id, account_id, vehicle_class) values ($1, 2, 41)", [tag(60_000)]);
    await tdb.db.query("update tags set vehicle_class = 5, account_id = 2 where id = $1", [tag(7)]);
    await tdb.db.query("insert into vehicles (account_id, plate, vehicle_class) values (2, 'NEW-0001', 42)");
    db.rows = 0;
    await dir.refresh(db);
    expect(db.rows).toBeLessThan(10);
    expect(dir.byTag(tag(60_000))).toMatchObject({ accountId: 2, vehicleClass: 41 });
    expect(dir.byTag(tag(7))).toMatchObject({ accountId: 2, vehicleClass: 5 });
    expect(dir.byPlate("NEW-0001")).toMatchObject({ accountId: 2, vehicleClass: 42 });
  });

  test("a change committed after a refresh, by a transaction that began before it, is read by the next one", async () => {
    const dir = new VehicleDirectory();
    await dir.load(tdb.db);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const insertedP = new Promise<void>((r) => (inserted = r));
    // Older transaction: inserts A, stays open.
    const slow = tdb.db.tx(async (tx) => {
      await tx.query("insert into tags (id, account_id, vehicle_class) values ($1, 1, 32)", [tag(70_001)]);
      inserted();
      await gate;
    });
    await insertedP;
    // Newer transaction: inserts B and commits first.
    await tdb.db.query("insert into tags (id, account_id, vehicle_class) values ($1, 1, 42)", [tag(70_002)]);
    await dir.refresh(tdb.db);
    expect(dir.byTag(tag(70_002))).toMatchObject({ accountId: 1, vehicleClass: 42 });
    expect(dir.byTag(tag(70_001))).toBeNull();
    release();
    await slow;
    await dir.refresh(tdb.db);
    expect(dir.byTag(tag(70_001))).toMatchObject({ accountId: 1, vehicleClass: 32 });
  });

  test("a full reload, when due, drops keys deleted outside the application", async () => {
    let now = 0;
    const dir = new VehicleDirectory({ fullReloadMs: 60_000, now: () => now });
    await dir.load(tdb.db);
    await tdb.db.query("insert into vehicles (account_id, plate, vehicle_class) values (1, 'GONE-1', 31)");
    await dir.refresh(tdb.db);
    expect(dir.byPlate("GONE-1")).not.toBeNull();
    await tdb.db.query("delete from vehicles where plate = 'GONE-1'");
    await dir.refresh(tdb.db);
    expect(dir.byPlate("GONE-1")).not.toBeNull();
    now = 60_000;
    await dir.refresh(tdb.db);
    const deadline = Date.now() + 10_000;
    while (dir.byPlate("GONE-1") !== null && Date.now() < deadline) {
      await Bun.sleep(20);
      await dir.refresh(tdb.db);
    }
    expect(dir.byPlate("GONE-1")).toBeNull();
    expect(dir.byPlate("ABC-1234")).toMatchObject({ accountId: 1, vehicleClass: 32 });
  });

  test("a background reload never stalls the reads: maps sized up front (no rehash), small pages, a yield after each", async () => {
    let now = 0;
    const dir = new VehicleDirectory({ fullReloadMs: 60_000, reloadPageRows: 5000, now: () => now });
    await dir.load(tdb.db);
    expect(dir.rehashes).toBeGreaterThan(0); // the first load grows its maps from empty
    now = 60_000;
    let reloading = true;
    let turns = 0;
    const reads = (async () => {
      while (reloading) {
        expect(dir.byTag(tag(123))).not.toBeNull();
        turns++;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    })();
    await dir.refresh(tdb.db);
    await dir.whenReloaded();
    reloading = false;
    await reads;
    // 50 000 tags and 20 001 plates in pages of 5 000: at least 15 pages, the reads ran between them.
    expect(dir.reloadPages).toBeGreaterThanOrEqual(15);
    expect(turns).toBeGreaterThanOrEqual(dir.reloadPages);
    expect(dir.rehashes).toBe(0);
    const held = await tdb.db.one<{ n: number }>("select (select count(*) from tags) + (select count(*) from vehicles) as n");
    expect(dir.size).toBe(Number(held.n));
  });

  test("options are checked when the directory is built", () => {
    expect(() => new VehicleDirectory({ pageRows: 0 })).toThrow(/pageRows/);
    expect(() => new VehicleDirectory({ reloadPageRows: 0 })).toThrow(/reloadPageRows/);
    expect(() => new VehicleDirectory({ fullReloadMs: 0 })).toThrow(/fullReloadMs/);
  });
});
