import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SettlementService } from "./settlement-service.ts";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { createAccount, createTag, insertPassages, keelungToRende, trip } from "../../test/support/tolling.ts";

/** Daily settlement against the real database: exactly-once money, re-rating, low balance, local days, plate bills. */
let t: TestDatabase;
let svc: SettlementService;
const TPE = "Asia/Taipei";
const DAY = "2024-03-25";
const ZONES = keelungToRende();

beforeAll(async () => {
  t = await createTestDatabase();
  svc = new SettlementService(t.db, { timeZone: TPE, clock: () => new Date("2024-04-01T12:00:00+08:00") });
});
afterAll(async () => t?.drop());

const ledger = (accountId: number) =>
  t.db.query<{ kind: string; amount_tenths: number; balance_after_tenths: number; settlement_id: number }>(
    "select kind, amount_tenths, balance_after_tenths, settlement_id from ledger_entries where account_id = $1 order by id",
    [accountId],
  );
const account = (id: number) => t.db.one<{ balance_tenths: number; status: string }>("select balance_tenths, status from accounts where id = $1", [id]);

describe("daily settlement", () => {
  let rich: number;
  let poor: number;
  beforeAll(async () => {
    rich = await createAccount(t.db, 50_000);
    poor = await createAccount(t.db, 2_000, 1_000);
    await createTag(t.db, rich, "E2801160600002085BFC0001");
    await createTag(t.db, poor, "E2801160600002085BFC0002");
    await createTag(t.db, poor, "E2801160600002085BFC0003");
    await insertPassages(t.db, [
      // The official example, by tag, in the morning.
      ...trip("2024-03-25T08:00:00+08:00", ZONES, { tagId: "E2801160600002085BFC0001", accountId: rich }),
      // Account id unknown to the ingest: the settlement finds it through the tag.
      ...trip("2024-03-25T09:00:00+08:00", ZONES, { tagId: "E2801160600002085BFC0002" }),
      // Plate only, 23:59 local on the 25th and 00:01 local on the 26th: two days.
      ...trip("2024-03-25T23:20:00+08:00", ZONES.slice(0, 39), { plate: "ABC-1234" }),
      { ts: "2024-03-26T00:01:00+08:00", gantryId: "01F0979S", plate: "ABC-1234" },
      // Outside the day in UTC terms but inside it locally (00:30 local = 16:30Z on the 24th).
      { ts: "2024-03-25T00:30:00+08:00", gantryId: "01F0005S", tagId: "E2801160600002085BFC0001", accountId: rich },
    ]);
  });

  test("one settlement and one toll ledger entry per vehicle; the official example pays NT$328", async () => {
    const r = await svc.runDay(DAY, { triggeredBy: "test" });
    expect(r).toMatchObject({ vehicles: 3, created: 3, revised: 0, unchanged: 0 });
    const rows = await t.db.query<{ vehicle_key: string; passages: number; posted_total_tenths: number; payable_tenths: number; account_id: number | null }>(
      "select vehicle_key, passages, posted_total_tenths, payable_tenths, account_id from settlements where local_day = $1 order by vehicle_key",
      [DAY],
    );
    const byKey = Object.fromEntries(rows.map((x) => [x.vehicle_key, x]));
    // The 00:30 local passage (1.3) joins the trip on the same local day: 389.5 + 1.3 = 390.8 -> 390.8 - 37.7 - 24 = 329.1 -> 329
    expect(byKey["E2801160600002085BFC0001"]).toMatchObject({ passages: 63, posted_total_tenths: 3908, payable_tenths: 3290, account_id: rich });
    expect(byKey["E2801160600002085BFC0002"]).toMatchObject({ passages: 62, posted_total_tenths: 3895, payable_tenths: 3280, account_id: poor });
    expect(byKey["plate:ABC-1234"]).toMatchObject({ passages: 39, account_id: null });
    expect(await ledger(rich)).toEqual([expect.objectContaining({ kind: "toll", amount_tenths: -3290, balance_after_tenths: 50_000 - 3290 })]);
    expect((await account(rich)).balance_tenths).toBe(50_000 - 3290);
  });

  test("re-running a day changes nothing", async () => {
    const before = await t.db.query("select * from settlements order by id");
    const r = await svc.runDay(DAY, { triggeredBy: "test" });
    expect(r).toMatchObject({ vehicles: 3, created: 0, revised: 0, unchanged: 3, adjustments: 0 });
    expect(await t.db.query("select * from settlements order by id")).toEqual(before);
    expect((await ledger(rich)).length).toBe(1);
    expect((await account(rich)).balance_tenths).toBe(50_000 - 3290);
  });

  test("an account whose balance goes below its threshold becomes low_balance with its tags", async () => {
    // poor: 200.0 - 328 = -128.0
    expect(await account(poor)).toEqual({ balance_tenths: 2_000 - 3280, status: "low_balance" });
    const tags = await t.db.query<{ id: string; status: string; status_version: number }>(
      "select id, status, status_version from tags where account_id = $1 order by id",
      [poor],
    );
    expect(tags.map((x) => x.status)).toEqual(["low_balance", "low_balance"]);
    const changes = await t.db.query<{ version: number; tag_id: string; status: string }>(
      "select version, tag_id, status from tag_status_changes order by version",
    );
    expect(changes.map((c) => [c.tag_id, c.status])).toEqual(tags.map((x) => [x.id, "low_balance"]));
    expect(tags.map((x) => x.status_version)).toEqual(changes.map((c) => c.version));
    expect((await account(rich)).status).toBe("active");
  });

  test("the day boundary is local midnight: 23:59 and 00:01 are different days", async () => {
    await svc.runDay("2024-03-26", { triggeredBy: "test" });
    const rows = await t.db.query<{ local_day: string; passages: number }>(
      "select local_day::text, passages from settlements where vehicle_key = 'plate:ABC-1234' order by local_day",
    );
    expect(rows).toEqual([
      { local_day: "2024-03-25", passages: 39 },
      { local_day: "2024-03-26", passages: 1 },
    ]);
  });

  test("plate-only vehicles get a plate bill per day with a due date", async () => {
    const bills = await t.db.query<{ local_day: string; toll_tenths: number; due_date: string; status: string }>(
      "select local_day::text, toll_tenths, due_date::text, status from plate_bills where plate = 'ABC-1234' order by local_day",
    );
    const s = await t.db.query<{ payable_tenths: number }>("select payable_tenths from settlements where vehicle_key = 'plate:ABC-1234' order by local_day");
    expect(s[0]!.payable_tenths).toBeGreaterThan(0);
    expect(bills.length).toBe(s.filter((x) => x.payable_tenths > 0).length);
    expect(bills[0]).toMatchObject({ local_day: "2024-03-25", toll_tenths: s[0]!.payable_tenths, due_date: "2024-04-09", status: "open" });
  });

  test("re-rating after a tariff correction revises the settlement and posts only the difference", async () => {
    // Correct one zone on every route by +10 km: +12.0 posted; above the 200 km threshold 25 % of it is discounted.
    await t.db.query("update tariff_zones set zone_km_tenths = zone_km_tenths + 100 where gantry_id = '01F1664S'");
    const r = await svc.runDay(DAY, { triggeredBy: "test" });
    // tags: +9 each (329.1 -> 338.1, 328.1 -> 337.1); plate (below the threshold): 201.1 -> 213.1, +12
    expect(r).toMatchObject({ created: 0, revised: 3, adjustments: 3, adjustmentTenths: 90 + 90 + 120 });
    const s = await t.db.one<{ payable_tenths: number; revision: number; posted_total_tenths: number }>(
      "select payable_tenths, revision, posted_total_tenths from settlements where vehicle_key = 'E2801160600002085BFC0001'",
    );
    // 402.8 - 0.25 x 162.8 - 24 = 338.1 -> 338
    expect(s).toEqual({ payable_tenths: 3380, revision: 2, posted_total_tenths: 3908 + 120 });
    const entries = await ledger(rich);
    expect(entries.map((e) => [e.kind, e.amount_tenths])).toEqual([
      ["toll", -3290],
      ["toll_adjustment", -90],
    ]);
    expect((await account(rich)).balance_tenths).toBe(50_000 - 3380);
    const bill = await t.db.one<{ id: number; toll_tenths: number }>("select id, toll_tenths from plate_bills where plate = 'ABC-1234' and local_day = $1", [
      DAY,
    ]);
    expect(bill.toll_tenths).toBe(2130);
    const events = await t.db.query<{ kind: string; amount_tenths: number }>(
      "select kind, amount_tenths from plate_bill_events where bill_id = $1 order by id",
      [bill.id],
    );
    expect(events).toEqual([
      { kind: "created", amount_tenths: 2010 },
      { kind: "rerated", amount_tenths: 120 },
    ]);
    // And again: still nothing new.
    expect(await svc.runDay(DAY, { triggeredBy: "test" })).toMatchObject({ revised: 0, unchanged: 3, adjustments: 0 });
    expect((await ledger(rich)).length).toBe(2);
    await t.db.query("update tariff_zones set zone_km_tenths = zone_km_tenths - 100 where gantry_id = '01F1664S'");
  });

  test("a special day added later re-rates the day: a plate bill brought to 0 is cancelled", async () => {
    await insertPassages(t.db, trip("2024-03-21T08:00:00+08:00", ZONES.slice(0, 40), { plate: "FRE-0001" }));
    await svc.runDay("2024-03-21", { triggeredBy: "test" });
    const before = await t.db.one<{ id: number; toll_tenths: number; status: string }>(
      "select id, toll_tenths, status from plate_bills where plate = 'FRE-0001'",
    );
    expect(before.status).toBe("open");
    expect(before.toll_tenths).toBeGreaterThan(0);
    await t.db.query("insert into tariff_special_days (day, kind, free_from, free_to) values ('2024-03-21', 'free_hours', '06:00', '12:00')");
    const r = await svc.runDay("2024-03-21", { triggeredBy: "test" });
    expect(r).toMatchObject({ revised: 1, adjustments: 1, adjustmentTenths: -before.toll_tenths });
    const after = await t.db.one<{ toll_tenths: number; status: string }>("select toll_tenths, status from plate_bills where id = $1", [before.id]);
    expect(after).toEqual({ toll_tenths: 0, status: "cancelled" });
    const s = await t.db.one<{ special_discount_tenths: number; payable_tenths: number; revision: number }>(
      "select special_discount_tenths, payable_tenths, revision from settlements where vehicle_key = 'plate:FRE-0001'",
    );
    expect(s).toMatchObject({ payable_tenths: 0, revision: 2 });
    expect(s.special_discount_tenths).toBeGreaterThan(0);
  });

  test("a registered plate read without its tag is charged to its account, not billed", async () => {
    const owner = await createAccount(t.db, 10_000);
    await t.db.query("insert into vehicles (account_id, plate, vehicle_class) values ($1, 'REG-0001', 31)", [owner]);
    await insertPassages(t.db, trip("2024-03-22T08:00:00+08:00", ZONES, { plate: "REG-0001" }));
    await svc.runDay("2024-03-22", { triggeredBy: "test" });
    expect((await ledger(owner)).map((e) => [e.kind, e.amount_tenths])).toEqual([["toll", -3280]]);
    expect(await t.db.query("select 1 from plate_bills where plate = 'REG-0001'")).toEqual([]);
    const s = await t.db.one<{ account_id: number; vehicle_key: string }>("select account_id, vehicle_key from settlements where plate = 'REG-0001'");
    expect(s).toEqual({ account_id: owner, vehicle_key: "plate:REG-0001" });
  });

  test("a fleet account gets one toll entry per tag, with running balances", async () => {
    const fleet = await createAccount(t.db, 100_000);
    await createTag(t.db, fleet, "E2801160600002085BFCF001");
    await createTag(t.db, fleet, "E2801160600002085BFCF002");
    await insertPassages(t.db, [
      ...trip("2024-03-20T08:00:00+08:00", ZONES, { tagId: "E2801160600002085BFCF001", accountId: fleet }),
      ...trip("2024-03-20T08:00:00+08:00", ZONES.slice(0, 30), { tagId: "E2801160600002085BFCF002", accountId: fleet }),
    ]);
    await svc.runDay("2024-03-20", { triggeredBy: "test" });
    const entries = await ledger(fleet);
    expect(entries.length).toBe(2);
    expect(entries.map((e) => e.kind)).toEqual(["toll", "toll"]);
    expect(entries[0]!.balance_after_tenths).toBe(100_000 + entries[0]!.amount_tenths);
    expect(entries[1]!.balance_after_tenths).toBe(entries[0]!.balance_after_tenths + entries[1]!.amount_tenths);
    expect((await account(fleet)).balance_tenths).toBe(entries[1]!.balance_after_tenths);
  });

  test("a day that is not over yet is refused, and runs are recorded", async () => {
    await expect(svc.runDay("2024-04-01", { triggeredBy: "test" })).rejects.toMatchObject({ code: "unprocessable" });
    await expect(svc.runDay("2024-02-30", { triggeredBy: "test" })).rejects.toMatchObject({ code: "bad_request" });
    const runs = await t.db.query<{ status: string }>("select status from settlement_runs where local_day = $1", [DAY]);
    expect(runs.length).toBe(4); // first run, re-run, re-rate, re-run after re-rate
    expect(runs.every((x) => x.status === "done")).toBe(true);
  });
});
