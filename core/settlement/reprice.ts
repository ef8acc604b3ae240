import type { Database } from "../db/database.ts";
import { priceDay } from "../tariff/daily-toll.ts";
import { TariffCatalog } from "../tariff/tariff-catalog.ts";
import { LocalCalendar } from "../time/local-time.ts";
import { streamDayVehicles } from "./day-vehicles.ts";

export interface RepriceMismatch {
  vehicleKey: string;
  stored: { payableTenths: number; postedTotalTenths: number; congestionTenths: number } | null;
  repriced: { payableTenths: number; postedTotalTenths: number; congestionTenths: number };
}

export interface RepriceReport {
  localDay: string;
  vehicles: number;
  /** Vehicles whose settlement equals the re-pricing to the NT$0.1 (payable, posted and congestion totals). */
  matched: number;
  mismatches: RepriceMismatch[];
  /** Over the day's settlements: what congestion prices added, and how many passages they priced. */
  congestionTenths: number;
  congestionPassages: number;
  payableTenths: number;
}

/**
 * Audit: re-prices every vehicle of a settled local day from what is stored now (its passages, the
 * tariffs, special days and the append-only price log) and compares with its settlement row. A
 * charge is reproducible when nothing but those tables decided it; any mismatch names the vehicle.
 * Streams like the settlement (bounded memory), in one read-only snapshot.
 */
export async function repriceDay(db: Database, day: string, timeZone: string, fetchRows = 50_000): Promise<RepriceReport> {
  const calendar = new LocalCalendar(timeZone);
  const { start, end } = calendar.dayBounds(day);
  const report: RepriceReport = { localDay: day, vehicles: 0, matched: 0, mismatches: [], congestionTenths: 0, congestionPassages: 0, payableTenths: 0 };
  await db.tx(async (tx) => {
    await tx.query("set transaction isolation level repeatable read, read only");
    const catalog = new TariffCatalog(tx);
    const tariffs = await catalog.tariffsFor(start, end);
    const special = await catalog.specialDays(day, day);
    const congestion = await catalog.congestionPrices(start, end);
    await streamDayVehicles(tx, { day, start, end, afterKey: null, fetchRows }, async (vehicles, _n, existing) => {
      const stored = new Map(existing.map((e) => [e.vehicle_key, e]));
      for (const v of vehicles) {
        const t = priceDay(v.passages, tariffs, special, calendar, congestion);
        const s = stored.get(v.key);
        report.vehicles++;
        report.payableTenths += t.payableTenths;
        report.congestionTenths += t.congestionTenths;
        report.congestionPassages += t.lines.filter((l) => l.congestion && l.congestion.permille > 1000).length;
        const repriced = { payableTenths: t.payableTenths, postedTotalTenths: t.postedTotalTenths, congestionTenths: t.congestionTenths };
        if (s && s.payable_tenths === t.payableTenths && s.posted_total_tenths === t.postedTotalTenths && s.congestion_tenths === t.congestionTenths) {
          report.matched++;
        } else {
          report.mismatches.push({
            vehicleKey: v.key,
            stored: s ? { payableTenths: s.payable_tenths, postedTotalTenths: s.posted_total_tenths, congestionTenths: s.congestion_tenths } : null,
            repriced,
          });
        }
      }
    });
  });
  return report;
}
