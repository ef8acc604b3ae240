import { planTransitionRoute } from "./plan-transition.ts";

export default planTransitionRoute({
  step: "approve",
  summary: "Approve a proposed plan",
  done: "Approved",
  run: (plans, id, actor, tx) => plans.approve(id, actor.keyId, tx),
});
