import { z } from "@hono/zod-openapi";
import { TollwayError } from "../../../core/errors/tollway-error.ts";
import { TariffAdmin } from "../../../core/tariff/tariff-admin.ts";
import { defineRoute } from "../../http/define-route.ts";
import { EVERYONE } from "../../http/roles.ts";
import { LocalDay, SpecialDaySchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/tariff-special-days",
    tags: ["tariffs"],
    summary: "The special-day calendar between two local days (at most one year)",
    description: "Rules across fields: `to` is not before `from`, and at most 366 days after it (400 naming `query.to`).",
    roles: EVERYONE,
    request: { query: z.object({ from: LocalDay, to: LocalDay }) },
    responses: { 200: { description: "Special days", content: { "application/json": { schema: z.object({ items: z.array(SpecialDaySchema) }) } } } },
  },
  async (c) => {
    const { from, to } = c.req.valid("query");
    if (to < from) throw new TollwayError("bad_request", "`to` is before `from`", { fields: [{ field: "query.to", message: "must not be before from" }] });
    if (Date.parse(to) - Date.parse(from) > 366 * 86_400_000) {
      throw new TollwayError("bad_request", "at most one year per request", { fields: [{ field: "query.to", message: "at most 366 days after from" }] });
    }
    return c.json({ items: await new TariffAdmin(c.var.deps.db).specialDays(from, to) }, 200);
  },
);
