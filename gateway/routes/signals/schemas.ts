import { z } from "@hono/zod-openapi";

/** Request/response schemas shared by the signal-plan routes (the services are c.var.deps.signals). Inputs are strict: an unknown key (a typo) is a 400. */

const Speed = z.strictObject({
  minMs: z.number().positive().max(60).openapi({ example: 13.4 }),
  maxMs: z.number().positive().max(60).openapi({ example: 17.9 }),
});
const LeadLag = z.enum(["lead", "lag", "optimize"]);
const GantryPair = z.strictObject({ fromGantry: z.string().trim().min(1).max(20), toGantry: z.string().trim().min(1).max(20) });

const Phase = z.strictObject({
  name: z.string().trim().min(1).max(60),
  arterial: z.boolean().optional().openapi({ description: "The main-street through phase (default: the first phase)" }),
  stage: z.string().trim().min(1).max(60).optional().openapi({ description: "Phases of one stage run together; Webster takes the stage's largest flow ratio" }),
  flow: z.number().min(0).max(20000).optional().openapi({ description: "pcu/h", example: 500 }),
  saturation: z.number().positive().max(20000).optional().openapi({ description: "pcu/h of green", example: 1600 }),
  greenS: z.number().min(0).max(600).optional().openapi({ description: "Fixed timing: green, s" }),
  redS: z.number().min(0).max(600).optional().openapi({ description: "Fixed timing (arterial phase): red, s" }),
});

const Intersection = z.strictObject({
  name: z.string().trim().min(1).max(100),
  distanceM: z.number().min(0).max(20000).openapi({ description: "Distance from the previous intersection, m (0 for the first)", example: 168 }),
  lostTimeS: z.number().min(0).max(120).optional().openapi({ description: "Lost time per cycle, s (default 4 s per stage)" }),
  phases: z.array(Phase).min(1).max(8),
  leftTurn: z
    .strictObject({
      outboundFraction: z.number().min(0).max(0.5).optional(),
      inboundFraction: z.number().min(0).max(0.5).optional(),
      outbound: LeadLag.optional(),
      inbound: LeadLag.optional(),
    })
    .optional()
    .openapi({ description: "Protected left turns inside the arterial green, fractions of the cycle; lead, lag, or optimize (MAXBAND chooses)" }),
  queueClearance: z.strictObject({ outboundS: z.number().min(0).max(60).optional(), inboundS: z.number().min(0).max(60).optional() }).optional(),
  lat: z.number().min(-90).max(90).optional(),
  lon: z.number().min(-180).max(180).optional(),
});

export const CorridorInput = z
  .strictObject({
    name: z.string().trim().min(1).max(100).openapi({ example: "Zhongshan Rd" }),
    description: z.string().max(1000).optional(),
    cycleMinS: z.number().min(20).max(300).default(40),
    cycleMaxS: z.number().min(20).max(300).default(150),
    outboundSpeed: Speed,
    inboundSpeed: Speed,
    speedChange: z
      .strictObject({ outboundSPerM: z.number().min(0).max(1).optional(), inboundSPerM: z.number().min(0).max(1).optional() })
      .optional()
      .openapi({ description: "Largest change of 1/speed between consecutive links, s/m (e.g. 0.0121)" }),
    bandRatio: z.number().positive().max(10).default(1).openapi({ description: "Target inbound/outbound band ratio k (MAXBAND maximises b + k b-bar)" }),
    equalBands: z.boolean().optional().openapi({ description: "Force equal bands in both directions" }),
    measuredSpeeds: z
      .strictObject({
        outbound: GantryPair.optional(),
        inbound: GantryPair.optional(),
        windowHours: z
          .number()
          .positive()
          .max(24 * 90)
          .optional(),
      })
      .optional()
      .openapi({ description: "Roadside readers covering the corridor: speed ranges from their measured speeds (segment_stats, 15th-85th percentile)" }),
    intersections: z.array(Intersection).min(2).max(60),
  })
  .openapi("CorridorInput");

export const CorridorSchema = CorridorInput.extend({
  id: z.number().int(),
  intersections: z.array(Intersection.extend({ id: z.number().int(), seq: z.number().int() })),
  createdAt: z.string(),
  updatedAt: z.string(),
}).openapi("Corridor");

export const CorridorSummarySchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    description: z.string().nullable(),
    intersectionCount: z.number().int(),
    activePlanId: z.number().int().nullable(),
    createdAt: z.string(),
  })
  .openapi("CorridorSummary");

const Split = z.object({ phase: z.string(), greenS: z.number() });

export const SignalPlanSchema = z
  .object({
    id: z.number().int(),
    corridorId: z.number().int(),
    version: z.number().int(),
    status: z.enum(["proposed", "approved", "active", "retired"]),
    method: z.string().openapi({ description: "maxband, or one_way when MAXBAND had no solution" }),
    cycleS: z.number(),
    outboundBandS: z.number().nullable(),
    inboundBandS: z.number().nullable(),
    efficiency: z.number().nullable().openapi({ description: "(b + b-bar) / 2C" }),
    solverStatus: z.string().nullable(),
    createdBy: z.number().int().nullable(),
    createdAt: z.string(),
    approvedBy: z.number().int().nullable(),
    approvedAt: z.string().nullable(),
    activatedAt: z.string().nullable(),
    retiredAt: z.string().nullable(),
    intersections: z.array(
      z.object({
        intersectionId: z.number().int(),
        seq: z.number().int(),
        name: z.string(),
        offsetS: z.number().openapi({ description: "Start of the arterial green after intersection 1's, s" }),
        splits: z.array(Split),
      }),
    ),
  })
  .openapi("SignalPlan");

export const SignalPlanDetailSchema = SignalPlanSchema.extend({
  result: z.record(z.string(), z.unknown()).openapi({
    description:
      "Full computation: Webster per intersection, MAXBAND progression (bands, efficiency, attainability, link speeds), one-way baseline, speeds used, warnings, and timeSpace rows {kind, direction, label, seq, fromS, toS, fromM, toM}",
  }),
}).openapi("SignalPlanDetail");

export const ControllerExportSchema = z
  .object({
    format: z.literal("tollway.signal-plan.v1"),
    corridorId: z.number().int(),
    corridor: z.string(),
    planId: z.number().int(),
    version: z.number().int(),
    activatedAt: z.string(),
    cycleS: z.number(),
    offsetReference: z.string(),
    controllers: z.array(
      z.object({
        intersectionId: z.number().int(),
        seq: z.number().int(),
        name: z.string(),
        cycleS: z.number(),
        offsetS: z.number(),
        splits: z.array(Split),
        leftTurns: z.object({ outbound: z.enum(["lead", "lag"]).nullable(), inbound: z.enum(["lead", "lag"]).nullable() }).nullable(),
      }),
    ),
  })
  .openapi("SignalPlanExport");
