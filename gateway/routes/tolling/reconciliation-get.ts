import { z } from "@hono/zod-openapi";
import { Reconciliation, RECONCILIATION_BUCKETS } from "../../../core/settlement/reconciliation.ts";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_READERS } from "../../http/roles.ts";
import { LocalDay, Tenths } from "./schemas.ts";

const Figures = z.object({ passages: z.number().int(), postedTenths: Tenths });
const Buckets = z.object(
  Object.fromEntries(RECONCILIATION_BUCKETS.map((b) => [b, Figures])) as Record<(typeof RECONCILIATION_BUCKETS)[number], typeof Figures>,
);

export default defineRoute(
  {
    method: "get",
    path: "/v1/reconciliation",
    tags: ["settlement"],
    summary: "Revenue reconciliation of a local day: every passage in one bucket, per gantry, and the money against the ledger and plate bills",
    description:
      "Buckets: charged (to an account), billed (plate bill), no_charge (cost nothing, no account), pending (not settled yet), unbillable:no_zone, unbillable:hotlist, unbillable:no_plate. `balanced`: every stored passage is in one bucket, the ledger equals the charged amount and the plate bills the billed one.",
    roles: CUSTOMER_READERS,
    request: { query: z.object({ day: LocalDay }) },
    responses: {
      200: {
        description: "The day's reconciliation",
        content: {
          "application/json": {
            schema: z
              .object({
                day: z.string(),
                stored: z.number().int(),
                priced: z.number().int(),
                buckets: Buckets,
                gantries: z.array(z.object({ gantryId: z.string(), stored: z.number().int(), priced: z.number().int(), buckets: Buckets })),
                money: z.object({
                  chargedTenths: Tenths,
                  ledgerTenths: Tenths,
                  billedTenths: Tenths,
                  plateBillTenths: Tenths,
                  unbillableTenths: Tenths,
                }),
                balanced: z.boolean(),
              })
              .openapi("Reconciliation"),
          },
        },
      },
    },
  },
  async (c) => c.json(await new Reconciliation(c.var.deps.db).day(c.req.valid("query").day), 200),
);
