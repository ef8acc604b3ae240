import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { silentLogger } from "../../core/log/logger.ts";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { LivePrices } from "./live-prices.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.query("insert into priced_segments (from_gantry, to_gantry) values ('01F0264S', '01F0293S')");
});
afterAll(async () => {
  await t?.drop();
});

const T = Date.parse("2026-11-26T08:00:00+08:00");
const SEG = "01F0264S>01F0293S";

describe("the simulated drivers' copy of the published prices", () => {
  test("sees what is published, at the simulated time, after its next refresh", async () => {
    let now = T;
    const prices = new LivePrices(t.db, () => now, silentLogger, 60_000);
    await prices.start();
    try {
      expect(prices.permille(SEG, T + 6 * 60_000)).toBe(1000);
      await t.db.query(
        "insert into price_log (from_gantry, to_gantry, announced_at, effective_from, permille, reason) values ('01F0264S', '01F0293S', $1, $2, 1750, 'high-flow')",
        [new Date(T + 20_000), new Date(T + 5 * 60_000)],
      );
      // Not before it is read again; then in force from its effective time, for 15 minutes.
      expect(prices.permille(SEG, T + 6 * 60_000)).toBe(1000);
      now = T + 60_000;
      await prices.refresh();
      expect(prices.permille(SEG, T + 4 * 60_000)).toBe(1000);
      expect(prices.permille(SEG, T + 6 * 60_000)).toBe(1750);
      expect(prices.permille(SEG, T + 20 * 60_000)).toBe(1000);
      expect(prices.permille("01F0005S>01F0017S", T + 6 * 60_000)).toBe(1000);
    } finally {
      prices.stop();
    }
  });
});
