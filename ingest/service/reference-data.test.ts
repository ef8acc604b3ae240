import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { TAGS_BY_ID, VEHICLES_BY_PLATE, VehicleCache } from "./reference-data.ts";

// The vehicle lookup runs for thousands of new keys a group: it must probe the keys, never read
// the whole tags table (a plan the planner chose for `id = any(...)` with large arrays).
let tdb: TestDatabase;
const tag = (n: number) => "E280" + n.toString(16).toUpperCase().padStart(20, "0");

beforeAll(async () => {
  tdb = await createTestDatabase({ seed: false });
  await tdb.db.query("insert into accounts (name, kind) values ('fleet', 'fleet')");
  await tdb.db.query(
    `insert into tags (id, account_id, vehicle_class)
     select 'E280' || lpad(upper(to_hex(g)), 20, '0'), 1, (array[31, 32, 41, 42, 5])[1 + g % 5] from generate_series(0, 49999) g`,
  );
  await tdb.db.query("insert into vehicles (account_id, plate, vehicle_class) values (1, 'ABC-1234', 32)");
  await tdb.db.query("insert into vehicles (account_id, plate, vehicle_class) select 1, 'P-' || g, 31 from generate_series(1, 20000) g");
  await tdb.db.query("analyze tags; analyze vehicles");
});

afterAll(async () => {
  await tdb?.drop();
});

describe("VehicleCache", () => {
  test("loads thousands of keys at once: registered ones with account and class, unknown ones as null", async () => {
    const cache = new VehicleCache();
    const keys = Array.from({ length: 5000 }, (_, i) => tag(i * 11)); // 0 .. 54 989: the last ~450 are not registered
    await cache.fill(tdb.db, keys, ["ABC-1234", "NOPE-1"]);
    expect(cache.byTag(tag(0))).toEqual({ accountId: 1, vehicleClass: 31 });
    expect(cache.byTag(tag(11 * 3))).toEqual({ accountId: 1, vehicleClass: [31, 32, 41, 42, 5][(11 * 3) % 5]! });
    expect(cache.byTag(tag(11 * 4999))).toBeNull();
    expect(cache.byPlate("ABC-1234")).toEqual({ accountId: 1, vehicleClass: 32 });
    expect(cache.byPlate("NOPE-1")).toBeNull();
    expect(cache.byTag(tag(1))).toBeUndefined();
    const registered = keys.filter((k) => cache.byTag(k) !== null).length;
    expect(registered).toBe(Math.floor(49999 / 11) + 1);
  });

  test("the lookups probe an index per key instead of scanning tags or vehicles", async () => {
    const keys = Array.from({ length: 5000 }, (_, i) => tag(i * 7)).join(",");
    for (const [stmt, table] of [
      [TAGS_BY_ID, "tags"],
      [VEHICLES_BY_PLATE, "vehicles"],
    ] as const) {
      const plan = await tdb.db.query<{ "QUERY PLAN": unknown }>(`explain (format json) ${stmt.replace("$1", "$1::text")}`, [keys]);
      const text = JSON.stringify(plan[0]!["QUERY PLAN"]);
      expect(text).not.toMatch(new RegExp(`"Seq Scan"[^}]*"Relation Name":"${table}"`));
      expect(text).toMatch(/Index (Only )?Scan/);
    }
  });
});
