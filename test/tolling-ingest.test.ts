import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { loadGantries, loadTollZones, mapZonesToGantries } from "../core/seed/network-data.ts";
import { SettlementService } from "../core/settlement/settlement-service.ts";
import type { IngestService } from "../ingest/service/ingest-service.ts";
import { RawGantry, header, startIngest, tagOf } from "./support/ingest.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";
import { keelungToRende } from "./support/tolling.ts";

/**
 * From the gantry to the ledger: a registered car and a plate-only car drive Keelung end -> Tainan
 * (Rende) past today's gantries, the real ingest (ZeroMQ, TR1) stores and prices the passages, and
 * the daily settlement charges the official NT$328 once.
 */
let tdb: TestDatabase;
let ingest: IngestService;
let gantry: RawGantry;
let account: number;
const TAG = tagOf(328);

beforeAll(async () => {
  tdb = await createTestDatabase();
  account = (await tdb.db.one<{ id: number }>("insert into accounts (name, balance_tenths) values ('Commuter', 5000) returning id")).id;
  await tdb.db.query("insert into tags (id, account_id, vehicle_class) values ($1, $2, 31)", [TAG, account]);
  ingest = await startIngest(tdb.db);
  gantry = new RawGantry(ingest.endpoint);
});

afterAll(async () => {
  gantry?.close();
  await ingest?.stop();
  await tdb?.drop();
});

describe("ingest -> settlement", () => {
  test("the official example, read by real gantries, settles to NT$328 and agrees with the ingest's prices", async () => {
    // Three 2015 zone gantries were renumbered since; the vehicle passes today's gantry for those zones.
    const today = mapZonesToGantries(loadTollZones(), loadGantries());
    const route = keelungToRende().map((z) => today.get(z) ?? z);
    const t0 = Date.parse("2024-03-25T08:00:00+08:00");
    for (const [i, g] of route.entries()) {
      const ts = new Date(t0 + i * 90_000).toISOString();
      const reply = await gantry.request([
        "TR1",
        header(g, 1),
        JSON.stringify([
          { tag: TAG, ts, lane: 1, class: 31 },
          { plate: "ING-0328", ts, lane: 2, class: 31, conf: 0.95 },
        ]),
      ]);
      expect(reply).toMatchObject({ status: "ok", accepted: 2 });
    }
    const priced = await tdb.db.one<{ n: number; posted: number }>(
      "select count(*)::int as n, sum(posted_price_tenths)::int as posted from passages where tag_id = $1",
      [TAG],
    );
    expect(priced.n).toBe(62);

    const r = await new SettlementService(tdb.db, { timeZone: "Asia/Taipei" }).runDay("2024-03-25", { triggeredBy: "test" });
    expect(r).toMatchObject({ vehicles: 2, created: 2, plateBills: 1 });
    const s = await tdb.db.one<{ posted_total_tenths: number; payable_tenths: number; account_id: number }>(
      "select posted_total_tenths, payable_tenths, account_id from settlements where vehicle_key = $1",
      [TAG],
    );
    // The settlement re-prices from the tariff; with no correction it agrees with what the ingest stored.
    expect(s).toEqual({ posted_total_tenths: priced.posted, payable_tenths: 3280, account_id: account });
    const bill = await tdb.db.one<{ toll_tenths: number }>("select toll_tenths from plate_bills where plate = 'ING-0328'");
    expect(bill.toll_tenths).toBe(3280);
    const entries = await tdb.db.query<{ kind: string; amount_tenths: number; balance_after_tenths: number }>(
      "select kind, amount_tenths, balance_after_tenths from ledger_entries where account_id = $1",
      [account],
    );
    expect(entries).toEqual([{ kind: "toll", amount_tenths: -3280, balance_after_tenths: 5000 - 3280 }]);
  });
});
