import type { RouteModule } from "../../http/define-route.ts";
import adjustmentReasonsCreate from "./adjustment-reasons-create.ts";
import adjustmentReasonsList from "./adjustment-reasons-list.ts";
import adjustmentsApprove from "./adjustments-approve.ts";
import adjustmentsCreate from "./adjustments-create.ts";
import adjustmentsGet from "./adjustments-get.ts";
import adjustmentsList from "./adjustments-list.ts";
import adjustmentsReject from "./adjustments-reject.ts";
import plateBillingPolicyGet from "./plate-billing-policy-get.ts";
import plateBillingPolicyUpdate from "./plate-billing-policy-update.ts";
import plateBillsEscalate from "./plate-bills-escalate.ts";
import plateBillsGet from "./plate-bills-get.ts";
import plateBillsList from "./plate-bills-list.ts";
import plateBillsPay from "./plate-bills-pay.ts";
import settlementRunsGet from "./settlement-runs-get.ts";
import reconciliationGet from "./reconciliation-get.ts";
import reconciliationPassagesList from "./reconciliation-passages-list.ts";
import settlementRunsList from "./settlement-runs-list.ts";
import settlementsGet from "./settlements-get.ts";
import settlementsList from "./settlements-list.ts";
import settlementsRun from "./settlements-run.ts";
import specialDaysCreate from "./special-days-create.ts";
import specialDaysDelete from "./special-days-delete.ts";
import specialDaysList from "./special-days-list.ts";
import specialDaysUpdate from "./special-days-update.ts";
import tariffsCreate from "./tariffs-create.ts";
import tariffsGet from "./tariffs-get.ts";
import tariffsList from "./tariffs-list.ts";
import tollQuotesCreate from "./toll-quotes-create.ts";

/**
 * The tolling area, in the order the docs list it. gateway/routes/index.ts spreads this list, so a
 * new tolling route is registered here only. Literal paths (/v1/settlements/run, /v1/plate-bills/escalate)
 * come before their {id} siblings.
 */
export const tollingRoutes: readonly RouteModule[] = [
  tollQuotesCreate,
  tariffsList,
  tariffsGet,
  tariffsCreate,
  specialDaysList,
  specialDaysCreate,
  specialDaysUpdate,
  specialDaysDelete,
  settlementsRun,
  settlementsList,
  settlementsGet,
  settlementRunsList,
  settlementRunsGet,
  reconciliationGet,
  reconciliationPassagesList,
  plateBillsEscalate,
  plateBillsList,
  plateBillsGet,
  plateBillsPay,
  plateBillingPolicyGet,
  plateBillingPolicyUpdate,
  adjustmentReasonsList,
  adjustmentReasonsCreate,
  adjustmentsCreate,
  adjustmentsList,
  adjustmentsGet,
  adjustmentsApprove,
  adjustmentsReject,
];
