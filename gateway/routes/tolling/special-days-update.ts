import { TariffAdmin } from "../../../core/tariff/tariff-admin.ts";
import { actorOf, recordAudit } from "../../audit/audit-log.ts";
import { defineRoute } from "../../http/define-route.ts";
import { ADMINS } from "../../http/roles.ts";
import { IdParams, SpecialDayInputSchema, SpecialDaySchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "put",
    path: "/v1/tariff-special-days/{id}",
    tags: ["tariffs"],
    summary: "Replace a special day",
    description:
      "Rules across fields (400 naming the missing field): single_rate needs `ratePct`; free_hours needs `freeFrom` and `freeTo`; " +
      "section_discount needs `gantryIds` (at least one) and `discountPct`. Fields of other kinds are ignored. A `tariffId` that names no tariff is a 422.",
    roles: ADMINS,
    request: { params: IdParams, body: { content: { "application/json": { schema: SpecialDayInputSchema } }, required: true } },
    responses: {
      200: { description: "Updated", content: { "application/json": { schema: SpecialDaySchema } } },
      404: { description: "No such special day" },
      422: { description: "tariffId names no tariff" },
    },
  },
  async (c) => {
    const { id } = c.req.valid("param");
    const b = c.req.valid("json");
    const actor = actorOf(c);
    const after = await c.var.deps.db.tx(async (tx) => {
      const r = await new TariffAdmin(tx).updateSpecialDay(tx, id, b);
      await recordAudit(tx, actor, { action: "tariff_special_day.update", entity: "tariff_special_day", entityId: id, before: r.before, after: r.after });
      return r.after;
    });
    return c.json(after, 200);
  },
);
