import type { RouteModule } from "../http/define-route.ts";
import apiKeysCreate from "./admin/api-keys-create.ts";
import apiKeysList from "./admin/api-keys-list.ts";
import apiKeysRevoke from "./admin/api-keys-revoke.ts";
import healthz from "./ops/healthz.ts";
import metrics from "./ops/metrics.ts";
import readyz from "./ops/readyz.ts";

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
  // administration
  apiKeysList,
  apiKeysCreate,
  apiKeysRevoke,
];
