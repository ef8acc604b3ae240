import type { Context } from "hono";
import { PricingQueries } from "../../../control/pricing/pricing-queries.ts";
import type { AppEnv } from "../../http/types.ts";
import { actorOf, recordAudit } from "../../audit/audit-log.ts";

/** A change to a priced segment (pricing it, its override), recorded in audit_log in the same transaction; returns the state after. */
export async function auditedPricingChange<T>(
  c: Context<AppEnv>,
  segment: { fromGantry: string; toGantry: string },
  action: string,
  change: (q: PricingQueries, actorName: string) => Promise<{ before: unknown; after: T }>,
): Promise<T> {
  const actor = actorOf(c);
  return c.var.deps.db.tx(async (tx) => {
    const r = await change(new PricingQueries(tx), actor.name);
    await recordAudit(tx, actor, { action, entity: "priced_segment", entityId: `${segment.fromGantry}>${segment.toGantry}`, before: r.before, after: r.after });
    return r.after;
  });
}
