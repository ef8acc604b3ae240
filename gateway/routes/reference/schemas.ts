import { z } from "@hono/zod-openapi";

export const GantrySchema = z
  .object({
    id: z.string().openapi({ example: "01F0017N" }),
    roadId: z.string(),
    roadName: z.string(),
    freeway: z.string().openapi({ example: "01F" }),
    direction: z.enum(["N", "S", "E", "W"]),
    locationMile: z.string().nullable(),
    km: z.number(),
    lat: z.number().nullable(),
    lon: z.number().nullable(),
    sectionStart: z.string().nullable(),
    sectionEnd: z.string().nullable(),
    active: z.boolean(),
  })
  .openapi("Gantry");

export const TollZoneSchema = z
  .object({
    gantryId: z.string().openapi({ example: "01F0005S" }),
    label: z.string(),
    direction: z.string(),
    zoneKm: z.number(),
    carPriceTenths: z.number().int(),
    fromInterchange: z.string().nullable(),
    toInterchange: z.string().nullable(),
    lat: z.number().nullable(),
    lon: z.number().nullable(),
  })
  .openapi("TollZone");

export const Freeway = z
  .string()
  .regex(/^[0-9]{2}[A-Z0-9]$/, "must be a freeway code such as 01F")
  .openapi({ example: "01F" });
export const Direction = z.enum(["N", "S", "E", "W"]);
export const GantryId = z
  .string()
  .regex(/^[0-9A-Z]{8}$/, "must be a gantry id such as 01F0017N")
  .openapi({ example: "01F0017N" });
