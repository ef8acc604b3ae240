import { planTransitionRoute } from "./plan-transition.ts";

export default planTransitionRoute({
  step: "retire",
  summary: "Retire a plan (reject a proposal, or take the active plan off the corridor)",
  done: "Retired",
  run: (plans, id, _actor, tx) => plans.retire(id, tx),
});
