import { z } from "@hono/zod-openapi";
import { TariffAdmin } from "../../../core/tariff/tariff-admin.ts";
import { defineRoute } from "../../http/define-route.ts";
import { EVERYONE } from "../../http/roles.ts";
import { IdParams, TariffSchema } from "./schemas.ts";

export const TariffDetailSchema = TariffSchema.extend({
  zones: z.array(z.object({ gantryId: z.string(), zoneKmTenths: z.number().int() })),
}).openapi("TariffDetail");

export default defineRoute(
  {
    method: "get",
    path: "/v1/tariffs/{id}",
    tags: ["tariffs"],
    summary: "One tariff version with its rates and zone lengths",
    roles: EVERYONE,
    request: { params: IdParams },
    responses: {
      200: { description: "The tariff", content: { "application/json": { schema: TariffDetailSchema } } },
      404: { description: "No such tariff" },
    },
  },
  async (c) => c.json(await new TariffAdmin(c.var.deps.db).get(c.req.valid("param").id), 200),
);
