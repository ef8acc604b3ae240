import type { RouteModule } from "../http/define-route.ts";
import apiKeysCreate from "./admin/api-keys-create.ts";
import apiKeysList from "./admin/api-keys-list.ts";
import apiKeysRevoke from "./admin/api-keys-revoke.ts";
import healthz from "./ops/healthz.ts";
import metrics from "./ops/metrics.ts";
import readyz from "./ops/readyz.ts";
import accountTagsList from "./tags/account-tags-list.ts";
import accountsCreate from "./accounts/accounts-create.ts";
import accountsGet from "./accounts/accounts-get.ts";
import accountsList from "./accounts/accounts-list.ts";
import accountsUpdate from "./accounts/accounts-update.ts";
import ledgerList from "./accounts/ledger-list.ts";
import topUpsCreate from "./accounts/top-ups-create.ts";
import vehiclesByPlate from "./accounts/vehicles-by-plate.ts";
import vehiclesCreate from "./accounts/vehicles-create.ts";
import vehiclesList from "./accounts/vehicles-list.ts";
import auditLogList from "./audit/audit-log-list.ts";
import passagesSearch from "./passages/passages-search.ts";
import tripsGet from "./passages/trips-get.ts";
import gantriesGet from "./reference/gantries-get.ts";
import gantriesList from "./reference/gantries-list.ts";
import tollZonesList from "./reference/toll-zones-list.ts";
import networkVersionsCreate from "./network/network-versions-create.ts";
import networkVersionsList from "./network/network-versions-list.ts";
import hotlistHitsList from "./tags/hotlist-hits-list.ts";
import tagStatusList from "./tags/tag-status-list.ts";
import tagsGet from "./tags/tags-get.ts";
import tagsIssue from "./tags/tags-issue.ts";
import tagsStatusChange from "./tags/tags-status-change.ts";
import { signalRoutes } from "./signals/index.ts";
import { tollingRoutes } from "./tolling/index.ts";
import { trafficRoutes } from "./traffic/index.ts";

/**
 * Every route module the gateway mounts. One operation per file, made with `defineRoute`
 * (gateway/http/define-route.ts), in a folder per area: ops/, reference/, accounts/, tags/,
 * passages/, admin/ (gateway core), tolling/ (tariffs, quotes, settlement, billing), traffic/ and
 * signals/ (control centre). To add one: write the file, import it here, add it to the list.
 * The security test (test/gateway.security.test.ts) reads the OpenAPI document, so a new route is
 * covered by the 401/403/400/429 checks automatically: give it realistic `roles`.
 */
export const routeModules: readonly RouteModule[] = [
  // operations
  healthz,
  readyz,
  metrics,
  // reference data
  gantriesList,
  gantriesGet,
  tollZonesList,
  networkVersionsList,
  networkVersionsCreate,
  // accounts, vehicles, ledger
  accountsCreate,
  accountsList,
  accountsGet,
  accountsUpdate,
  topUpsCreate,
  ledgerList,
  vehiclesCreate,
  vehiclesList,
  vehiclesByPlate,
  // tags
  tagsIssue,
  tagsGet,
  accountTagsList,
  tagsStatusChange,
  tagStatusList,
  hotlistHitsList,
  // passages
  passagesSearch,
  tripsGet,
  // administration
  apiKeysList,
  apiKeysCreate,
  apiKeysRevoke,
  auditLogList,
  // tolling: quotes, tariffs, settlement, plate billing, adjustments (listed in tolling/index.ts)
  ...tollingRoutes,
  // signals: corridors, green-wave plan lifecycle, controller export (listed in signals/index.ts)
  ...signalRoutes,
  // traffic: counts, travel times, speeds, trips, hotspots, reliability, TDCS export (listed in traffic/index.ts)
  ...trafficRoutes,
];
