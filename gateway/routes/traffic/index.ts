import type { RouteModule } from "../../http/define-route.ts";
import countsList from "./counts-list.ts";
import hotspotsGet from "./hotspots-get.ts";
import hotspotsList from "./hotspots-list.ts";
import incidentsGet from "./incidents-get.ts";
import incidentsList from "./incidents-list.ts";
import priceOverrideUpdate from "./price-override-update.ts";
import pricedSegmentUpdate from "./priced-segment-update.ts";
import pricedSegmentsList from "./priced-segments-list.ts";
import pricesList from "./prices-list.ts";
import reliabilityList from "./reliability-list.ts";
import speedsList from "./speeds-list.ts";
import tdcsExport from "./tdcs-export.ts";
import travelTimesList from "./travel-times-list.ts";
import tripsList from "./trips-list.ts";

/** The control centre's traffic data: counts, travel times, speeds, trips, hotspots, incidents, congestion prices, priced segments and their overrides, reliability, TDCS export. */
export const trafficRoutes: readonly RouteModule[] = [
  countsList,
  travelTimesList,
  speedsList,
  tripsList,
  hotspotsList,
  hotspotsGet,
  incidentsList,
  incidentsGet,
  pricesList,
  pricedSegmentsList,
  pricedSegmentUpdate,
  priceOverrideUpdate,
  reliabilityList,
  tdcsExport,
];
