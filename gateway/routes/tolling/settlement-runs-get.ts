import { SettlementQueries } from "../../../core/settlement/settlement-queries.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_READERS } from "../../http/roles.ts";
import { IdParams, SettlementRunSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/settlement-runs/{id}",
    tags: ["settlement"],
    summary: "One settlement run: its status, progress and, once done, its result",
    description:
      "A run started by POST /v1/settlements/run or the schedule. 'running' while its process works on it; 'failed' when it stopped " +
      "(a run whose process died reads 'failed' with an 'abandoned' error as soon as its connection is gone); 'done' with its counts.",
    roles: CUSTOMER_READERS,
    request: { params: IdParams },
    responses: {
      200: { description: "The run", content: { "application/json": { schema: SettlementRunSchema } } },
      404: { description: "No such run" },
    },
  },
  async (c) => c.json(await new SettlementQueries(c.var.deps.db).run(c.req.valid("param").id), 200),
);
