import { TollwayError } from "../errors/tollway-error.ts";
import { priceDay, type DailyToll } from "./daily-toll.ts";
import { LocalCalendar } from "../time/local-time.ts";
import type { TariffCatalog } from "./tariff-catalog.ts";

/**
 * A toll quote: what a vehicle of a class pays for one day with passages at the listed gantries,
 * all at the time `at`. Same engine and same catalog as the daily settlement.
 */
export interface TollQuoteRequest {
  vehicleClass: number;
  at: Date;
  gantries: readonly string[];
}

export class TollQuoteService {
  private readonly calendar: LocalCalendar;

  constructor(
    private readonly catalog: TariffCatalog,
    timeZone: string,
  ) {
    this.calendar = new LocalCalendar(timeZone);
  }

  async quote(req: TollQuoteRequest): Promise<DailyToll> {
    const known = await this.catalog.knownGantries([...new Set(req.gantries)]);
    const unknown = req.gantries.flatMap((g, i) => (known.has(g) ? [] : [{ i, g }]));
    if (unknown.length) {
      throw new TollwayError("bad_request", `Unknown gantries: ${unknown.map((u) => u.g).join(", ")}`, {
        fields: unknown.map((u) => ({ field: `body.gantries.${u.i}`, message: `unknown gantry ${u.g}` })),
      });
    }
    const day = this.calendar.day(req.at);
    // Every passage is at `at`, so one instant decides the tariff; the window only has to contain it.
    const tariffs = await this.catalog.tariffsFor(req.at, new Date(req.at.getTime() + 1));
    if (!tariffs.inForceAt(req.at)) {
      throw new TollwayError("unprocessable", `No tariff is in force at ${req.at.toISOString()}`, {
        fields: [{ field: "body.at", message: "no tariff in force" }],
      });
    }
    const special = await this.catalog.specialDays(day, day);
    // Congestion prices in force at `at` apply (every passage enters at `at`).
    const congestion = await this.catalog.congestionPrices(req.at, new Date(req.at.getTime() + 1));
    return priceDay(
      req.gantries.map((gantryId) => ({ ts: req.at, gantryId, vehicleClass: req.vehicleClass })),
      tariffs,
      special,
      this.calendar,
      congestion,
    );
  }
}
