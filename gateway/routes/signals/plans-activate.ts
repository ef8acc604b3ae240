import { planTransitionRoute } from "./plan-transition.ts";

export default planTransitionRoute({
  step: "activate",
  summary: "Activate an approved plan; the corridor's previous active plan is retired",
  done: "Active",
  run: async (plans, id, _actor, tx) => {
    const r = await plans.activate(id, tx);
    // The plan it replaced is retired in the same transaction, and audited as such.
    const alsoAudit = r.retired
      ? [
          {
            action: "signal_plan.retire",
            entity: "signal_plan",
            entityId: r.retired.id,
            before: { ...r.retired, status: "active", retiredAt: null },
            after: r.retired,
          },
        ]
      : [];
    return { before: r.before, after: r.after, alsoAudit };
  },
});
