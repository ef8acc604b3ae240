import { Database } from "../../core/db/database.ts";
import { SettlementService } from "../../core/settlement/settlement-service.ts";

/**
 * A process that settles one day and is killed by the test while it does (core/settlement/settlement-service.kill.test.ts).
 * Usage: bun test/support/settlement-run-child.ts <database url> <local day>
 */
const [url, day] = process.argv.slice(2);
if (!url || !day) throw new Error("usage: settlement-run-child.ts <database url> <local day>");
const db = new Database({ url, max: 2, applicationName: "tollway-settlement-child" });
const result = await new SettlementService(db, { timeZone: "Asia/Taipei" }).runDay(day, { triggeredBy: "child process" });
process.stdout.write(`${JSON.stringify(result)}\n`);
await db.close();
