import { z } from "@hono/zod-openapi";
import { Timestamp } from "../../http/schemas.ts";
import { isVehicleClass, VEHICLE_CLASS_DESCRIPTION, VEHICLE_CLASSES } from "../../../core/vehicle/vehicle-class.ts";
import { GantryId } from "../reference/schemas.ts";

export const ClassQuery = z.coerce
  .number()
  .int()
  .refine(isVehicleClass, `must be ${VEHICLE_CLASSES.slice(0, -1).join(", ")} or ${VEHICLE_CLASSES.at(-1)}`)
  .optional()
  .openapi({ description: VEHICLE_CLASS_DESCRIPTION, example: 31 });
export const Freeway = z
  .string()
  .regex(/^\d{2}[A-Z]$/, "must be a freeway such as 01F")
  .optional()
  .openapi({ example: "01F" });
export const Direction = z.enum(["N", "S", "E", "W"]).optional();
export const StatsSource = z.enum(["computed", "tdcs"]).default("computed").openapi({ description: "computed from reads, or imported TDCS files" });
export const SeriesLimit = z.coerce.number().int().min(1).max(10_000).default(1000);

/** The time filter of the episode lists (hotspots, incidents, prices): the current ones, or those overlapping [from, to). */
export const EpisodeWindowQuery = {
  current: z.stringbool().default(false),
  from: Timestamp.optional(),
  to: Timestamp.optional(),
};

/** A query with optional `from`/`to` texts, with the same instants in ms for the query classes. */
export function withWindowMs<Q extends { from?: string | undefined; to?: string | undefined }>(q: Q): Q & { fromMs?: number; toMs?: number } {
  return { ...q, fromMs: q.from ? Date.parse(q.from) : undefined, toMs: q.to ? Date.parse(q.to) : undefined };
}

export const PeriodQuery = z.object({
  from: Timestamp.openapi({ description: "Start (inclusive) of the 5-min intervals", example: "2024-03-25T07:00:00+08:00" }),
  to: Timestamp.openapi({ description: "End (exclusive); at most 31 days after from", example: "2024-03-25T10:00:00+08:00" }),
});

export const SegmentQuery = PeriodQuery.extend({
  fromGantry: GantryId.optional(),
  toGantry: GantryId.optional(),
  freeway: Freeway,
  direction: Direction,
  vehicleClass: ClassQuery,
  source: StatsSource,
  limit: SeriesLimit,
});

export const limitedOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), truncated: z.boolean().openapi({ description: "More rows matched than `limit`" }) });

export const CountSchema = z
  .object({ bucket: z.string(), gantryId: z.string(), direction: z.string(), vehicleClass: z.number().int(), source: z.string(), volume: z.number().int() })
  .openapi("VehicleCount");

export const SegmentStatSchema = z
  .object({
    bucket: z.string().openapi({ description: "Start of the 5-min interval (by entry time at the upstream gantry)" }),
    fromGantry: z.string(),
    toGantry: z.string(),
    vehicleClass: z.number().int(),
    source: z.string(),
    travelTimeS: z.number().nullable().openapi({ description: "Median travel time (s)" }),
    speedKmh: z.number().nullable().openapi({ description: "Space-mean speed (km/h)" }),
    volume: z.number().int(),
  })
  .openapi("SegmentStat");

export const TrafficTripSchema = z
  .object({
    id: z.number().int(),
    vehicleKey: z.string(),
    vehicleClass: z.number().int(),
    startTs: z.string(),
    endTs: z.string(),
    startGantry: z.string(),
    endGantry: z.string(),
    lengthKm: z.number(),
    tripEnd: z.boolean().openapi({ description: "false: the vehicle was read less than 30 min ago, the trip may continue" }),
    source: z.string(),
    path: z.array(z.object({ ts: z.string(), gantry: z.string() })),
  })
  .openapi("TrafficTrip");

export const HotspotSchema = z
  .object({
    id: z.number().int(),
    fromGantry: z.string().openapi({ description: "The bottleneck segment: slow, with free flow downstream" }),
    toGantry: z.string(),
    freeway: z.string(),
    direction: z.string(),
    km: z.number().openapi({ description: "Location of the bottleneck (the segment's downstream gantry)" }),
    status: z.enum(["new", "active", "cleared"]),
    severity: z.enum(["minor", "moderate", "severe"]),
    startedAt: z.string(),
    lastActiveAt: z.string(),
    endedAt: z.string().nullable(),
    extentUpstreamKm: z.number(),
    minSpeedKmh: z.number().nullable(),
    delayVehicleHours: z.number(),
    source: z.string(),
  })
  .openapi("Hotspot");

export const ReliabilitySchema = z
  .object({
    fromGantry: z.string(),
    toGantry: z.string(),
    lengthKm: z.number(),
    freeFlowTravelTimeS: z.number(),
    intervals: z.number().int(),
    volume: z.number(),
    meanTravelTimeS: z.number(),
    p95TravelTimeS: z.number(),
    tti: z.number().openapi({ description: "Travel Time Index: mean / free-flow travel time" }),
    pti: z.number().openapi({ description: "Planning Time Index: 95th percentile / free-flow travel time" }),
  })
  .openapi("SegmentReliability");

export const IncidentSchema = z
  .object({
    id: z.number().int(),
    fromGantry: z.string().openapi({ description: "The incident segment: the most downstream one where vehicles are overdue" }),
    toGantry: z.string(),
    freeway: z.string(),
    direction: z.string(),
    km: z.number().openapi({ description: "The segment's downstream gantry" }),
    status: z.enum(["raised", "confirmed", "cleared"]),
    severity: z.enum(["minor", "moderate", "severe"]).openapi({ description: "From the speed bound: severe below 20 km/h, moderate below 40" }),
    startedAt: z.string().openapi({ description: "Entry time of the first overdue vehicle: the estimated start" }),
    raisedAt: z.string(),
    confirmedAt: z.string().nullable(),
    clearedAt: z.string().nullable(),
    overdueVehicles: z.number().int().openapi({ description: "Largest run of consecutive overdue vehicles" }),
    longestOverdueS: z.number().openapi({ description: "Longest time an overdue vehicle had been on the segment" }),
    expectedTravelTimeS: z.number().openapi({ description: "The time-of-day expected travel time when raised" }),
    speedBoundKmh: z.number().nullable().openapi({ description: "Upper bound of the speed: length / longest time out" }),
    extentUpstreamKm: z.number(),
    queueSegments: z.array(z.string()).openapi({ description: "Alarmed segments upstream (the queue), FROM>TO" }),
    hotspotId: z.number().int().nullable().openapi({ description: "The hotspot (bottleneck) of the segment it became, if any" }),
  })
  .openapi("Incident");

export const PriceSchema = z
  .object({
    id: z.number().int(),
    fromGantry: z.string(),
    toGantry: z.string(),
    announcedAt: z.string(),
    effectiveFrom: z.string().openapi({ description: "Charged for passages from this time (published before it)" }),
    validUntil: z.string().openapi({
      description: "Unless a newer price takes effect first, it lapses then (15 min after effectiveFrom) and the fixed rate applies again",
    }),
    multiplier: z.number().openapi({ description: "Times the fixed rate" }),
    permille: z.number().int().openapi({ description: "The multiplier in per-mille (1000 = the fixed rate); charge = floor(base x permille / 1000) tenths" }),
    speedKmh: z.number().nullable().openapi({ description: "Tag-measured speed of the interval behind the price" }),
    volume: z.number().int().openapi({ description: "Vehicles matched over the segment in that interval" }),
    reason: z.string(),
  })
  .openapi("CongestionPrice");

export const PricedSegmentSchema = z
  .object({
    fromGantry: z.string(),
    toGantry: z.string(),
    enabled: z.boolean(),
    capacityVph: z.number().int().nullable().openapi({
      description: "Vehicles per hour, all lanes: with it the price rises as the flow nears capacity and comes down when it is light; null: speed only",
    }),
    updatedAt: z.string(),
    override: z.object({ capPermille: z.number().int().nullable(), frozen: z.boolean() }).nullable(),
    latestPermille: z.number().int().nullable().openapi({ description: "The newest published multiplier (per-mille), if any" }),
  })
  .openapi("PricedSegment");

export const PriceOverrideSchema = z
  .object({
    fromGantry: z.string(),
    toGantry: z.string(),
    capPermille: z.number().int().nullable(),
    frozen: z.boolean(),
    setBy: z.string(),
    setAt: z.string(),
  })
  .openapi("PriceOverride");
