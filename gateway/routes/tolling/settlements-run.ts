import { z } from "@hono/zod-openapi";
import { SettlementService } from "../../../core/settlement/settlement-service.ts";
import { actorOf, recordAudit } from "../../audit/audit-log.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_WRITERS } from "../../http/roles.ts";
import { LocalDay, Tenths } from "./schemas.ts";

export const SettlementRunResultSchema = z
  .object({
    runId: z.number().int(),
    localDay: z.string(),
    vehicles: z.number().int(),
    created: z.number().int(),
    revised: z.number().int(),
    unchanged: z.number().int(),
    payableTenths: Tenths,
    adjustments: z.number().int(),
    adjustmentTenths: Tenths,
    plateBills: z.number().int(),
  })
  .openapi("SettlementRunResult");

export default defineRoute(
  {
    method: "post",
    path: "/v1/settlements/run",
    tags: ["settlement"],
    summary: "Settle (or re-rate) one local day",
    description:
      "One settlement per vehicle per local day; a new one debits its tag account once ('toll') or bills the plate. " +
      "Running a day again changes nothing unless the result changed (late passages, a tariff correction): then the settlement " +
      "gets revision + 1 and only the difference is posted ('toll_adjustment'). Days are settled after their local midnight.",
    roles: CUSTOMER_WRITERS,
    request: { body: { content: { "application/json": { schema: z.object({ day: LocalDay }) } } } },
    responses: {
      200: { description: "What the run did", content: { "application/json": { schema: SettlementRunResultSchema } } },
      422: { description: "The day is not over yet" },
    },
  },
  async (c) => {
    const { day } = c.req.valid("json");
    const { db, config, clock, logger } = c.var.deps;
    const actor = actorOf(c);
    const svc = new SettlementService(db, { timeZone: config.tollTimezone, clock, logger });
    const result = await svc.runDay(day, {
      triggeredBy: actor.name,
      beforeCommit: (tx, r) =>
        recordAudit(tx, actor, { action: "settlement.run", entity: "settlement_run", entityId: r.runId, after: r }).then(() => undefined),
    });
    return c.json(result, 200);
  },
);
