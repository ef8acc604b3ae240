import type { RouteModule } from "../../http/define-route.ts";
import activePlanExport from "./active-plan-export.ts";
import corridorsCreate from "./corridors-create.ts";
import corridorsGet from "./corridors-get.ts";
import corridorsList from "./corridors-list.ts";
import plansActivate from "./plans-activate.ts";
import plansApprove from "./plans-approve.ts";
import plansGet from "./plans-get.ts";
import plansList from "./plans-list.ts";
import plansPropose from "./plans-propose.ts";
import plansRetire from "./plans-retire.ts";

/** The control centre's green-wave routes: corridors, plan lifecycle, controller export. */
export const signalRoutes: readonly RouteModule[] = [
  corridorsCreate,
  corridorsList,
  corridorsGet,
  plansPropose,
  plansList,
  plansGet,
  plansApprove,
  plansActivate,
  plansRetire,
  activePlanExport,
];
