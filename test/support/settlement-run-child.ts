import { Database } from "../../core/db/database.ts";
import { SettlementService } from "../../core/settlement/settlement-service.ts";

/**
 * A process that settles one day and is killed by the test while it does (core/settlement/settlement-service.kill.test.ts).
 * Usage: bun test/support/settlement-run-child.ts <database url> <local day> [passages fetched at a time]
 */
const [url, day, fetch] = process.argv.slice(2);
if (!url || !day) throw new Error("usage: settlement-run-child.ts <database url> <local day> [fetch passages]");
const db = new Database({ url, max: 2, applicationName: "tollway-settlement-child" });
const result = await new SettlementService(db, { timeZone: "Asia/Taipei", ...(fetch ? { fetchPassages: Number(fetch) } : {}) }).runDay(day, {
  triggeredBy: "child process",
});
process.stdout.write(`${JSON.stringify(result)}\n`);
await db.close();
