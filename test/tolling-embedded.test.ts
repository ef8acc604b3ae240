import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "../core/db/database.ts";
import { Migrator, defaultSqlDir } from "../core/migrate/migrator.ts";
import { Seeder } from "../core/seed/seeder.ts";
import { PlateBillService } from "../core/settlement/plate-bills.ts";
import { SettlementService } from "../core/settlement/settlement-service.ts";
import { startEmbeddedPostgres, type EmbeddedTestServer } from "./support/embedded.ts";
import { createAccount, createTag, insertPassages, keelungToRende, trip } from "./support/tolling.ts";

/** The settlement on the embedded PostgreSQL the launcher starts without DATABASE_URL. */
let pg: EmbeddedTestServer;
let db: Database;

beforeAll(async () => {
  pg = await startEmbeddedPostgres();
  db = new Database({ url: pg.url, max: 4 });
  await new Migrator({ db, sqlDir: defaultSqlDir, timescaledb: "off", tollTimezone: "Asia/Taipei" }).run();
  await new Seeder(db).run();
}, 120_000);
afterAll(async () => {
  await db?.close();
  await pg?.stop();
});

describe("settlement on the embedded PostgreSQL", () => {
  test("settles, re-runs without change, re-rates, bills plates and escalates", async () => {
    const acct = await createAccount(db, 1_000, 1_000);
    await createTag(db, acct, "E2801160600002085BFCE001");
    await insertPassages(db, [
      ...trip("2024-03-25T08:00:00+08:00", keelungToRende(), { tagId: "E2801160600002085BFCE001", accountId: acct }),
      ...trip("2024-03-25T09:00:00+08:00", keelungToRende(), { plate: "EMB-0001" }),
    ]);
    const svc = new SettlementService(db, { timeZone: "Asia/Taipei" });
    expect(await svc.runDay("2024-03-25", { triggeredBy: "test" })).toMatchObject({ created: 2, payableTenths: 6560, plateBills: 1 });
    expect(await svc.runDay("2024-03-25", { triggeredBy: "test" })).toMatchObject({ unchanged: 2 });
    await db.query("update tariff_zones set zone_km_tenths = zone_km_tenths + 100 where gantry_id = '01F1664S'");
    expect(await svc.runDay("2024-03-25", { triggeredBy: "test" })).toMatchObject({ revised: 2, adjustments: 2 });
    const a = await db.one<{ balance_tenths: number; status: string }>("select balance_tenths, status from accounts where id = $1", [acct]);
    expect(a).toEqual({ balance_tenths: 1_000 - 3370, status: "low_balance" });
    const esc = await db.tx((tx) => new PlateBillService(tx).escalate(tx, "2024-06-01"));
    expect(esc).toEqual({ asOf: "2024-06-01", notices: 1, fees: 1, fines: 1 });
  }, 60_000);
});
