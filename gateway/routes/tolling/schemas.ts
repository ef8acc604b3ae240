import { z } from "@hono/zod-openapi";

/** Schemas shared by the tolling routes (tariffs, quotes, settlement, plate billing, adjustments); role groups are in gateway/http/roles.ts. */

export const Tenths = z.number().int().openapi({ description: "Money in NT$0.1 (tenths)", example: 3280 });
export const LocalDay = z.iso.date().openapi({ description: "Local calendar day in the toll time zone (Asia/Taipei)", example: "2024-03-25" });
/** Freeway, road kind (F mainline, or a ramp letter as in 05FR113S), km x 10, direction. */
export const GantryId = z
  .string()
  .regex(/^[0-9]{2}[0-9A-Z]{2}[0-9]{3}[NSEW]$/, "must be a gantry id such as 01F0005S")
  .openapi({ example: "01F0005S" });
export const IdParams = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(Number.MAX_SAFE_INTEGER)
    .openapi({ param: { name: "id", in: "path" }, example: 1 }),
});
export const Limit = z.coerce.number().int().min(1).max(1000).default(100).openapi({ example: 100 });
/** Keyset cursor: the `nextCursor` of the previous page. */
export const Cursor = z
  .string()
  .regex(/^[0-9]{1,18}$/, "must be a nextCursor returned by a previous page")
  .optional();
export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
export const Pct = z.number().min(0).max(100).multipleOf(0.01).openapi({ example: 75 });
export const TimeOfDay = z
  .string()
  .regex(/^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$|^24:00(:00)?$/, "must be HH:MM local time")
  .openapi({ example: "00:00" });

export const SettlementSchema = z
  .object({
    id: z.number().int(),
    localDay: z.string(),
    vehicleKey: z.string().openapi({
      description:
        "The vehicle: vehicle:<id> for a registered vehicle (read by tag or plate), plate:<plate> for an unregistered plate, else the tag id (passages stored before sql/661: tag id, or plate:<plate> without a tag)",
    }),
    tagId: z.string().nullable(),
    plate: z.string().nullable(),
    accountId: z.number().int().nullable(),
    vehicleClass: z.number().int(),
    tariffId: z.number().int().nullable(),
    passages: z.number().int(),
    postedTotalTenths: Tenths,
    congestionTenths: Tenths.openapi({ description: "Of the posted total, what congestion prices added to the fixed rates (0 where nothing is priced)" }),
    specialDiscountTenths: Tenths,
    longDiscountTenths: Tenths,
    freeTenths: Tenths,
    payableTenths: Tenths,
    singleRateDay: z.boolean(),
    revision: z.number().int(),
    runId: z.number().int().nullable(),
    computedAt: z.string(),
  })
  .openapi("Settlement");

export const SettlementRunSchema = z
  .object({
    id: z.number().int(),
    localDay: z.string(),
    status: z.string(),
    vehicles: z.number().int(),
    payableTenths: Tenths,
    adjustments: z.number().int(),
    triggeredBy: z.string(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    error: z.string().nullable(),
    passagesTotal: z.number().int().nullable().openapi({ description: "The day's passages when the run began (null until it holds the day)" }),
    passagesDone: z.number().int().openapi({ description: "Passages settled so far (progress: passagesDone / passagesTotal)" }),
    created: z.number().int(),
    revised: z.number().int(),
    unchanged: z.number().int(),
    plateBills: z.number().int(),
    adjustmentTenths: Tenths,
    resumedFrom: z.number().int().nullable().openapi({ description: "The failed run whose checkpoint this run resumed after" }),
  })
  .openapi("SettlementRun");

export const PlateBillSchema = z
  .object({
    id: z.number().int(),
    plate: z.string(),
    localDay: z.string(),
    settlementId: z.number().int().nullable(),
    vehicleClass: z.number().int(),
    tollTenths: Tenths,
    feeTenths: Tenths,
    fineTenths: Tenths,
    outstandingTenths: Tenths,
    dueDate: z.string(),
    status: z.enum(["open", "notice", "fee", "fine", "paid", "cancelled"]),
    paidAt: z.string().nullable(),
    paidTenths: Tenths.nullable(),
    supplementOf: z.number().int().nullable().openapi({ description: "A supplementary bill: the paid bill of the same plate and day it adds to" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("PlateBill");

export const PlateBillingPolicySchema = z
  .object({
    dueDays: z.number().int().min(0).max(365),
    noticeAfterDays: z.number().int().min(0).max(365),
    feeAfterDays: z.number().int().min(0).max(365),
    feeTenths: Tenths.min(0),
    fineAfterDays: z.number().int().min(0).max(365),
    fineTenths: Tenths.min(0),
  })
  .openapi("PlateBillingPolicy");

export const AdjustmentSchema = z
  .object({
    id: z.number().int(),
    accountId: z.number().int().nullable(),
    plateBillId: z.number().int().nullable(),
    settlementId: z.number().int().nullable(),
    reasonCode: z.string(),
    kind: z.enum(["dispute", "rerate", "goodwill", "correction"]),
    amountTenths: Tenths.openapi({ description: "Credit to the customer positive, NT$0.1" }),
    status: z.enum(["open", "approved", "rejected", "applied"]),
    note: z.string().nullable(),
    createdBy: z.number().int().nullable(),
    createdAt: z.string(),
    resolvedBy: z.number().int().nullable(),
    resolvedAt: z.string().nullable(),
    ledgerEntryId: z.number().int().nullable(),
  })
  .openapi("Adjustment");

export const TariffSchema = z
  .object({
    id: z.number().int(),
    code: z.string(),
    version: z.number().int(),
    name: z.string(),
    networkVersion: z.string(),
    effectiveFrom: z.string(),
    effectiveTo: z.string().nullable(),
    dailyFreeKmTenths: z.number().int(),
    longDistanceKmTenths: z.number().int(),
    longDistanceDiscountPct: z.number(),
    status: z.enum(["draft", "active", "retired"]),
    createdAt: z.string(),
    rates: z.array(z.object({ vehicleClass: z.number().int(), rateTenthsPerKm: z.number().int() })),
    zoneCount: z.number().int(),
  })
  .openapi("Tariff");

export const SpecialDaySchema = z
  .object({
    id: z.number().int(),
    tariffId: z.number().int().nullable(),
    day: z.string(),
    kind: z.enum(["single_rate", "free_hours", "section_discount"]),
    ratePct: z.number().nullable(),
    freeFrom: z.string().nullable(),
    freeTo: z.string().nullable(),
    gantryIds: z.array(z.string()).nullable(),
    discountPct: z.number().nullable(),
    note: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("TariffSpecialDay");

export const SpecialDayInputSchema = z
  .object({
    tariffId: z.number().int().positive().nullable().optional().openapi({ description: "Only this tariff; null or absent: every tariff" }),
    day: LocalDay,
    kind: z.enum(["single_rate", "free_hours", "section_discount"]),
    ratePct: Pct.nullable().optional().openapi({ description: "single_rate: percentage of the posted price charged, e.g. 75" }),
    freeFrom: TimeOfDay.nullable().optional().openapi({ description: "free_hours: local start (inclusive)" }),
    freeTo: TimeOfDay.nullable().optional().openapi({ description: "free_hours: local end (exclusive); at or before freeFrom wraps past midnight" }),
    gantryIds: z.array(GantryId).min(1).max(500).nullable().optional().openapi({ description: "section_discount: the gantries discounted" }),
    discountPct: Pct.nullable().optional().openapi({ description: "section_discount: percentage off" }),
    note: z.string().max(500).nullable().optional(),
  })
  .openapi("TariffSpecialDayInput");

/** Parses a keyset cursor produced by the list routes. */
export const cursorId = (cursor: string | undefined): number | undefined => (cursor === undefined ? undefined : Number(cursor));
