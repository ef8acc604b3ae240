import { z } from "@hono/zod-openapi";
import { TariffAdmin } from "../../../core/tariff/tariff-admin.ts";
import { actorOf, recordAudit } from "../../audit/audit-log.ts";
import { defineRoute } from "../../http/define-route.ts";
import { ADMINS } from "../../http/roles.ts";
import { CLASS_COUNT } from "../../../core/vehicle/vehicle-class.ts";
import { VehicleClass } from "../../http/schemas.ts";
import { GantryId, Pct } from "./schemas.ts";
import { TariffDetailSchema } from "./tariffs-get.ts";

export default defineRoute(
  {
    method: "post",
    path: "/v1/tariffs",
    tags: ["tariffs"],
    summary: "Publish a new tariff version (effective dates, rates, zones)",
    description:
      "The version number is the next one for `code`. Zones are copied from `copyZonesFrom` (default: the latest version of the code) " +
      "and `zones` override them. A correction is a new version with the same `effectiveFrom`: it wins over the old one, and re-running " +
      "the affected days re-rates them.\n\n" +
      "Rules across fields: an `active` tariff (the default) must rate every vehicle class (31, 32, 41, 42, 5) and give a zone length " +
      "for every toll zone of GET /v1/toll-zones (copied or in `zones`), else 422 naming `body.rates` / `body.zones` with what is missing; " +
      "a `draft` may be incomplete (drafts never price). Each vehicle class at most once in `rates` and each gantry at most once in `zones` (400); `effectiveTo` after `effectiveFrom` (400).",
    roles: ADMINS,
    request: {
      body: {
        content: {
          "application/json": {
            schema: z.object({
              code: z
                .string()
                .trim()
                .regex(/^[A-Z0-9-]{2,40}$/, "upper-case letters, digits and dashes")
                .openapi({ example: "TW-ETC-DISTANCE" }),
              name: z.string().trim().min(1).max(200),
              networkVersion: z.string().trim().min(1).max(40).optional(),
              effectiveFrom: z.iso.datetime({ offset: true }).openapi({ example: "2025-01-01T00:00:00+08:00" }),
              effectiveTo: z.iso.datetime({ offset: true }).nullable().optional(),
              dailyFreeKmTenths: z.number().int().min(0).max(100_000).optional(),
              longDistanceKmTenths: z.number().int().min(0).max(100_000).optional(),
              longDistanceDiscountPct: Pct.optional(),
              status: z.enum(["draft", "active"]).optional(),
              rates: z
                .array(z.object({ vehicleClass: VehicleClass, rateTenthsPerKm: z.number().int().min(0).max(1000) }))
                .min(1)
                .max(CLASS_COUNT),
              zones: z
                .array(z.object({ gantryId: GantryId, zoneKmTenths: z.number().int().min(0).max(10_000) }))
                .max(2000)
                .optional(),
              copyZonesFrom: z.number().int().positive().optional(),
            }),
          },
        },
      },
    },
    responses: {
      201: { description: "The new version", content: { "application/json": { schema: TariffDetailSchema } } },
      422: { description: "copyZonesFrom names no tariff, or an active tariff leaves a vehicle class or a toll zone unpriced" },
    },
  },
  async (c) => {
    const b = c.req.valid("json");
    const { db } = c.var.deps;
    const actor = actorOf(c);
    const created = await db.tx(async (tx) => {
      const t = await new TariffAdmin(tx).create(tx, {
        ...b,
        effectiveFrom: new Date(b.effectiveFrom),
        effectiveTo: b.effectiveTo ? new Date(b.effectiveTo) : null,
      });
      const { zones, ...summary } = t;
      await recordAudit(tx, actor, { action: "tariff.create", entity: "tariff", entityId: t.id, after: { ...summary, zonesOverridden: b.zones ?? [] } });
      return t;
    });
    return c.json(created, 201);
  },
);
