import { z } from "@hono/zod-openapi";
import { PlateBillService } from "../../../core/settlement/plate-bills.ts";
import { localDay } from "../../../core/time/local-time.ts";
import { actorOf, recordAudit } from "../../audit/audit-log.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_WRITERS } from "../../http/roles.ts";
import { LocalDay } from "./schemas.ts";

export default defineRoute(
  {
    method: "post",
    path: "/v1/plate-bills/escalate",
    tags: ["plate billing"],
    summary: "Escalate unpaid plate bills as of a local day (notice, then fee, then fine); the scheduler does this daily",
    roles: CUSTOMER_WRITERS,
    request: {
      body: { content: { "application/json": { schema: z.object({ asOf: LocalDay.optional().openapi({ description: "Default: today (local)" }) }) } } },
    },
    responses: {
      200: {
        description: "How many bills moved",
        content: { "application/json": { schema: z.object({ asOf: z.string(), notices: z.number().int(), fees: z.number().int(), fines: z.number().int() }) } },
      },
    },
  },
  async (c) => {
    const { asOf } = c.req.valid("json");
    const { db, config, clock } = c.var.deps;
    const day = asOf ?? localDay(clock(), config.tollTimezone);
    const actor = actorOf(c);
    const r = await db.tx(async (tx) => {
      const res = await new PlateBillService(tx).escalate(tx, day);
      await recordAudit(tx, actor, { action: "plate_bill.escalate", entity: "plate_bill", entityId: null, after: res });
      return res;
    });
    return c.json(r, 200);
  },
);
