import { z } from "@hono/zod-openapi";

export const NetworkVersionSchema = z
  .object({
    code: z.string().openapi({ example: "2024-04" }),
    validFrom: z.string().openapi({ example: "2024-04-28T16:00:00.000Z" }),
    validTo: z.string().nullable().openapi({ description: "The next version's validFrom; null for the latest" }),
    note: z.string(),
    gantries: z.number().int(),
    mainlineSegments: z.number().int(),
    links: z.number().int().openapi({ description: "Published gantry pairs off the chains (junctions, U-turns, ramps)" }),
    aliases: z.array(z.object({ oldId: z.string(), newId: z.string() })).openapi({ description: "Gantries renumbered or moved by this version" }),
  })
  .openapi("NetworkVersion");
