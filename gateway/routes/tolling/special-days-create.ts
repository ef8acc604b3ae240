import { TariffAdmin } from "../../../core/tariff/tariff-admin.ts";
import { actorOf, recordAudit } from "../../audit/audit-log.ts";
import { defineRoute } from "../../http/define-route.ts";
import { ADMINS } from "../../http/roles.ts";
import { SpecialDayInputSchema, SpecialDaySchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "post",
    path: "/v1/tariff-special-days",
    tags: ["tariffs"],
    summary: "Add a special day: single-rate day, free hours, or a section discount",
    description:
      "A single-rate day charges `ratePct` % of the posted prices with no free km and no long-distance discount. Re-run settled days to re-rate them.\n\n" +
      "Rules across fields (400 naming the missing field): single_rate needs `ratePct`; free_hours needs `freeFrom` and `freeTo`; " +
      "section_discount needs `gantryIds` (at least one) and `discountPct`. Fields of other kinds are ignored. A `tariffId` that names no tariff is a 422.",
    roles: ADMINS,
    request: { body: { content: { "application/json": { schema: SpecialDayInputSchema } } } },
    responses: {
      201: { description: "Created", content: { "application/json": { schema: SpecialDaySchema } } },
      422: { description: "tariffId names no tariff" },
    },
  },
  async (c) => {
    const b = c.req.valid("json");
    const actor = actorOf(c);
    const created = await c.var.deps.db.tx(async (tx) => {
      const s = await new TariffAdmin(tx).createSpecialDay(tx, b);
      await recordAudit(tx, actor, { action: "tariff_special_day.create", entity: "tariff_special_day", entityId: s.id, after: s });
      return s;
    });
    return c.json(created, 201);
  },
);
