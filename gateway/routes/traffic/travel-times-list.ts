import { segmentStatsRoute } from "./segment-stats-route.ts";

export default segmentStatsRoute("travel", "/v1/traffic/travel-times", "Median travel times per segment, class and 5-min interval (TDCS M04A)");
