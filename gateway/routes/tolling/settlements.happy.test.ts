import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, readJson, type TestGateway } from "../../../test/support/gateway.ts";
import { allClassRates, createAccount, createTag, insertPassages, keelungToRende, settleThroughApi, trip } from "../../../test/support/tolling.ts";

let gw: TestGateway;
let account: number;
const TAG = "E2801160600002085BFCAA01";
const DAY = "2024-03-25";

beforeAll(async () => {
  gw = await createTestGateway();
  account = await createAccount(gw.testDb.db, 10_000);
  await createTag(gw.testDb.db, account, TAG);
  await insertPassages(gw.testDb.db, [
    ...trip("2024-03-25T08:00:00+08:00", keelungToRende(), { tagId: TAG, accountId: account }),
    ...trip("2024-03-25T10:00:00+08:00", ["01F0005S", "01F0017S"], { plate: "XYZ-9876" }),
  ]);
});
afterAll(async () => gw?.close());

const run = (day = DAY) => settleThroughApi(gw, day, "toll_operator");

describe("settlement routes", () => {
  test("POST /v1/settlements/run starts a run (202, its id at once); the run settles the day: the official example debits NT$328 once", async () => {
    expect(await run()).toMatchObject({
      localDay: DAY,
      status: "done",
      vehicles: 2,
      created: 2,
      revised: 0,
      payableTenths: 3280,
      passagesTotal: 64,
      passagesDone: 64,
    });
    const a = await gw.testDb.db.one<{ balance_tenths: number }>("select balance_tenths from accounts where id = $1", [account]);
    expect(a.balance_tenths).toBe(10_000 - 3280);
    const audit = await gw.testDb.db.one<{ actor: string; after: { day: string } }>("select actor, after from audit_log where action = 'settlement.run'");
    expect(audit).toMatchObject({ actor: "test-toll_operator", after: { day: DAY } });
  });

  test("running it again through the API changes nothing", async () => {
    expect(await run()).toMatchObject({ status: "done", created: 0, revised: 0, unchanged: 2, adjustments: 0 });
    expect((await gw.testDb.db.one<{ n: number }>("select count(*)::int as n from ledger_entries")).n).toBe(1);
  });

  test("GET /v1/settlements filters by day, account and vehicle, with keyset pages", async () => {
    const all = await readJson(await gw.request(`/v1/settlements?day=${DAY}&limit=1`, { role: "auditor" }));
    expect(all.items.length).toBe(1);
    expect(all.nextCursor).not.toBeNull();
    const next = await readJson(await gw.request(`/v1/settlements?day=${DAY}&limit=1&cursor=${all.nextCursor}`, { role: "auditor" }));
    expect(next.items.length).toBe(1);
    expect(next.nextCursor).toBeNull();
    expect(new Set([all.items[0].vehicleKey, next.items[0].vehicleKey])).toEqual(new Set([TAG, "plate:XYZ-9876"]));
    const mine = await readJson(await gw.request(`/v1/settlements?accountId=${account}`, { role: "toll_operator" }));
    expect(mine.items.map((s: { vehicleKey: string }) => s.vehicleKey)).toEqual([TAG]);
    const plate = await readJson(await gw.request(`/v1/settlements?vehicleKey=plate:XYZ-9876`, { role: "toll_operator" }));
    expect(plate.items[0]).toMatchObject({ plate: "XYZ-9876", accountId: null, passages: 2, payableTenths: 0 });
  });

  test("GET /v1/settlements/{id} shows the toll and, after a tariff correction and re-run, the adjustment", async () => {
    // Correct a zone through the API (a new version with the same start), then re-run the day.
    const correction = await gw.request("/v1/tariffs", {
      method: "POST",
      role: "admin",
      json: {
        code: "TW-ETC-DISTANCE",
        name: "zone correction",
        effectiveFrom: "2014-01-01T00:00:00+08:00",
        rates: allClassRates(),
        zones: [{ gantryId: "01F3252S", zoneKmTenths: 0 }],
      },
    });
    expect(correction.status).toBe(201);
    const r = await run();
    // Both settlements now name the new tariff (revised); only the tag's amount changed (one adjustment).
    expect(r).toMatchObject({ revised: 2, adjustments: 1 });
    const { items } = await readJson(await gw.request(`/v1/settlements?vehicleKey=${TAG}`, { role: "auditor" }));
    const s = await readJson(await gw.request(`/v1/settlements/${items[0].id}`, { role: "auditor" }));
    expect(s.revision).toBe(2);
    expect(s.ledgerEntries.map((e: { kind: string }) => e.kind)).toEqual(["toll", "toll_adjustment"]);
    expect(s.ledgerEntries[0].amountTenths + s.ledgerEntries[1].amountTenths).toBe(-s.payableTenths);
    expect(s.ledgerEntries[1].amountTenths).toBeGreaterThan(0); // a zone became free: a credit
  });

  test("GET /v1/settlement-runs lists the runs of a day", async () => {
    const { items } = await readJson(await gw.request(`/v1/settlement-runs?day=${DAY}`, { role: "admin" }));
    expect(items.length).toBe(3);
    expect(items.every((x: { status: string; triggeredBy: string }) => x.status === "done" && x.triggeredBy === "test-toll_operator")).toBe(true);
  });
});
