import { z } from "@hono/zod-openapi";
import { TariffCatalog } from "../../../core/tariff/tariff-catalog.ts";
import { TollQuoteService } from "../../../core/tariff/toll-quote.ts";
import { defineRoute } from "../../http/define-route.ts";
import { EVERYONE } from "../../http/roles.ts";
import { VehicleClass } from "../../http/schemas.ts";
import { GantryId, Tenths } from "./schemas.ts";

const QuoteLine = z.object({
  gantryId: z.string(),
  tariffId: z.number().int().nullable(),
  zoneKmTenths: z.number().int().nullable(),
  rateTenthsPerKm: z.number().int().nullable(),
  fixedPostedTenths: Tenths.openapi({ description: "The fixed-rate posted price" }),
  postedTenths: Tenths.openapi({ description: "The posted price: the fixed one times the congestion multiplier, truncated to NT$0.1" }),
  chargedTenths: Tenths,
  congestion: z
    .object({
      segment: z.string(),
      permille: z.number().int().openapi({ description: "The multiplier in per-mille (1000 = the fixed rate)" }),
      priceLogId: z.number().int().nullable(),
    })
    .nullable()
    .openapi({ description: "The congestion price in force at `at` on the priced segment into this gantry; null where it is not priced" }),
  rule: z.enum(["normal", "not_charging", "not_in_tariff", "no_tariff", "free_hours", "special"]),
  specialDayIds: z.array(z.number().int()),
});

export const TollQuoteSchema = z
  .object({
    localDay: z.string(),
    vehicleClass: z.number().int(),
    tariffId: z.number().int().nullable().openapi({ description: "The tariff whose thresholds apply to the day" }),
    passages: z.number().int(),
    postedTotalTenths: Tenths.openapi({ description: "Sum of the posted prices (each truncated to NT$0.1)" }),
    congestionTenths: Tenths.openapi({ description: "Of the posted total, what congestion prices added" }),
    specialDiscountTenths: Tenths,
    chargedTotalTenths: Tenths,
    singleRateDay: z.boolean(),
    longDistanceThresholdTenths: Tenths,
    longDiscountTenths: Tenths.openapi({ description: "Long-distance discount, rounded to NT$0.1 for display" }),
    freeTenths: Tenths,
    payableTenths: Tenths.openapi({ description: "What the day costs: whole NT$, in tenths" }),
    payableNtd: z.number().int().openapi({ description: "payableTenths in NT$", example: 328 }),
    lines: z.array(QuoteLine),
  })
  .openapi("TollQuote");

export default defineRoute(
  {
    method: "post",
    path: "/v1/toll-quotes",
    tags: ["tolling"],
    summary: "Quote one day's toll for a vehicle class passing the listed gantries (same engine as settlement)",
    description:
      "All passages are taken at `at`: the tariff and special days in force then apply, and the day is the local day of `at`. " +
      "Posted prices are truncated to NT$0.1 per gantry; on a congestion-priced segment the multiplier in force at `at` applies (truncated again; `congestion` on the line). The day pays the posted total minus 25 % of the part above 200 km worth, " +
      "minus 20 km worth free, rounded half-up to NT$1. Gantries that do not exist are a 400 naming them; no tariff in force at `at` is a 422.",
    roles: EVERYONE,
    request: {
      body: {
        content: {
          "application/json": {
            schema: z.object({
              vehicleClass: VehicleClass,
              at: z.iso.datetime({ offset: true }).openapi({ example: "2024-03-25T08:00:00+08:00" }),
              gantries: z
                .array(GantryId)
                .min(1)
                .max(1000)
                .openapi({ example: ["01F0005S", "01F0017S"] }),
            }),
          },
        },
      },
    },
    responses: {
      200: { description: "The quote with a per-gantry breakdown", content: { "application/json": { schema: TollQuoteSchema } } },
      422: { description: "No tariff in force at `at`" },
    },
  },
  async (c) => {
    const body = c.req.valid("json");
    const { db, config } = c.var.deps;
    const q = await new TollQuoteService(new TariffCatalog(db), config.tollTimezone).quote({
      vehicleClass: body.vehicleClass,
      at: new Date(body.at),
      gantries: body.gantries,
    });
    return c.json(
      {
        localDay: q.localDay,
        vehicleClass: q.vehicleClass,
        tariffId: q.tariffId,
        passages: q.passages,
        postedTotalTenths: q.postedTotalTenths,
        congestionTenths: q.congestionTenths,
        specialDiscountTenths: q.specialDiscountTenths,
        chargedTotalTenths: q.chargedTotalTenths,
        singleRateDay: q.singleRateDay,
        longDistanceThresholdTenths: q.longDistanceThresholdTenths,
        longDiscountTenths: q.longDiscountTenths,
        freeTenths: q.freeTenths,
        payableTenths: q.payableTenths,
        payableNtd: q.payableTenths / 10,
        lines: q.lines.map((l) => ({
          gantryId: l.gantryId,
          tariffId: l.tariffId,
          zoneKmTenths: l.zoneKmTenths,
          rateTenthsPerKm: l.rateTenthsPerKm,
          fixedPostedTenths: l.fixedPostedTenths,
          postedTenths: l.postedTenths,
          chargedTenths: l.chargedTenths,
          congestion: l.congestion && { segment: l.congestion.segment, permille: l.congestion.permille, priceLogId: l.congestion.logId },
          rule: l.rule,
          specialDayIds: l.specialDayIds,
        })),
      },
      200,
    );
  },
);
