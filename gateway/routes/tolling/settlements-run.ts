import { z } from "@hono/zod-openapi";
import { actorOf, recordAudit } from "../../audit/audit-log.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_WRITERS } from "../../http/roles.ts";
import { LocalDay } from "./schemas.ts";

export const SettlementRunStartedSchema = z
  .object({
    runId: z.number().int(),
    localDay: z.string(),
    status: z.literal("running"),
  })
  .openapi("SettlementRunStarted");

export default defineRoute(
  {
    method: "post",
    path: "/v1/settlements/run",
    tags: ["settlement"],
    summary: "Start settling (or re-rating) one local day",
    description:
      "Starts a run and answers at once (202) with its id; GET /v1/settlement-runs/{id} (the Location header) shows its status, progress and result. " +
      "One settlement per vehicle per local day; a new one debits its tag account once ('toll') or bills the plate. " +
      "Running a day again changes nothing unless the result changed (late passages, a tariff correction): then the settlement " +
      "gets revision + 1 and only the difference is posted ('toll_adjustment'). Runs of one day follow each other; a run after a failed " +
      "one resumes after its checkpoint. Days are settled after their local midnight.",
    roles: CUSTOMER_WRITERS,
    request: { body: { content: { "application/json": { schema: z.object({ day: LocalDay }) } } } },
    responses: {
      202: { description: "The run has started", content: { "application/json": { schema: SettlementRunStartedSchema } } },
      422: { description: "The day is not over yet" },
    },
  },
  async (c) => {
    const { day } = c.req.valid("json");
    const { db, settlementJobs } = c.var.deps;
    const actor = actorOf(c);
    const runId = await settlementJobs.start(day, actor.name);
    await recordAudit(db, actor, { action: "settlement.run", entity: "settlement_run", entityId: runId, after: { day } });
    c.header("location", `/v1/settlement-runs/${runId}`);
    return c.json({ runId, localDay: day, status: "running" as const }, 202);
  },
);
