import { TariffAdmin } from "../../../core/tariff/tariff-admin.ts";
import { actorOf, recordAudit } from "../../audit/audit-log.ts";
import { defineRoute } from "../../http/define-route.ts";
import { ADMINS } from "../../http/roles.ts";
import { IdParams } from "./schemas.ts";

export default defineRoute(
  {
    method: "delete",
    path: "/v1/tariff-special-days/{id}",
    tags: ["tariffs"],
    summary: "Remove a special day",
    roles: ADMINS,
    request: { params: IdParams },
    responses: { 204: { description: "Removed" }, 404: { description: "No such special day" } },
  },
  async (c) => {
    const { id } = c.req.valid("param");
    const actor = actorOf(c);
    await c.var.deps.db.tx(async (tx) => {
      const before = await new TariffAdmin(tx).deleteSpecialDay(tx, id);
      await recordAudit(tx, actor, { action: "tariff_special_day.delete", entity: "tariff_special_day", entityId: id, before });
    });
    return c.body(null, 204);
  },
);
