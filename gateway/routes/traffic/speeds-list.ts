import { segmentStatsRoute } from "./segment-stats-route.ts";

export default segmentStatsRoute("speed", "/v1/traffic/speeds", "Space-mean speeds per segment, class and 5-min interval (TDCS M05A)");
