import type { Queryable } from "../../core/db/database.ts";
import type { Logger } from "../../core/log/logger.ts";
import { CongestionPrices } from "../../core/tariff/congestion-prices.ts";
import { TariffCatalog } from "../../core/tariff/tariff-catalog.ts";

/**
 * The congestion prices the simulated drivers see (`bun run sim --demand-response`): the published
 * price log, re-read every `refreshMs`, so the model's demand response (TrafficModel.demandResponse)
 * reacts to what control/pricing announces, as drivers react to the signs. The model asks
 * synchronously, so it gets the last copy read; before the first read everything is the fixed rate.
 */
export class LivePrices {
  private prices = CongestionPrices.none;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly db: Queryable,
    private readonly clock: () => number,
    private readonly logger: Logger,
    private readonly refreshMs = 30_000,
  ) {
    if (!(refreshMs > 0)) throw new RangeError("refreshMs must be positive");
  }

  /** The multiplier in force on a segment ("FROM>TO") at tMs, from the last copy of the log. */
  readonly permille = (segment: string, tMs: number): number => this.prices.priceAt(segment, tMs).permille;

  async refresh(): Promise<void> {
    const now = this.clock();
    this.prices = await new TariffCatalog(this.db).congestionPrices(new Date(now - 3_600_000), new Date(now + 3_600_000));
  }

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      this.refresh().catch((e) => this.logger.warn("could not re-read the congestion prices; keeping the last ones", { err: (e as Error).message }));
    }, this.refreshMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
