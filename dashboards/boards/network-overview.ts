import * as common from "@grafana/grafana-foundation-sdk/common";
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as geomap from "@grafana/grafana-foundation-sdk/geomap";
import * as heatmap from "@grafana/grafana-foundation-sdk/heatmap";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { table as tableQuery, timeSeries } from "../sql/sql-query.ts";
import { Board, sqlVariable, thresholds, vehiclesByClassSql } from "./common.ts";

const hotspotsInRange = `h.started_at <= $__timeTo() and (h.ended_at is null or h.ended_at >= $__timeFrom()) and h.freeway in ($freeway)`;
const incidentsInRange = `i.raised_at <= $__timeTo() and (i.cleared_at is null or i.cleared_at >= $__timeFrom()) and i.freeway in ($freeway)`;

export function networkOverview(): dashboard.Dashboard {
  const board = new Board(
    "tollway-network",
    "Tollway / Network overview",
    "Volumes by class, segment speeds, congestion hotspots, incidents from overdue tags and the travel time index.",
  );
  board.builder.withVariable(
    sqlVariable("freeway", "Freeway", "select distinct freeway from gantries order by 1")
      .multi(true)
      .includeAll(true)
      .current({ text: "All", value: "$__all" }),
  );

  board.add(
    new timeseries.PanelBuilder()
      .title("Vehicles by class")
      .description(
        "Vehicles counted by the ingest per gantry, class and 5-minute interval (TDCS M03A), summed over the selected freeways; hourly rollups for intervals of an hour or more.",
      )
      .unit("short")
      .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
      .fillOpacity(30)
      .withTarget(timeSeries(vehiclesByClassSql("g.freeway in ($freeway)", "join gantries g on g.id = c.gantry_id"))),
    16,
    8,
  );
  board.add(
    new stat.PanelBuilder()
      .title("Vehicles in range")
      .unit("short")
      .withTarget(
        tableQuery(`
          select coalesce(sum(c.volume), 0)::bigint as vehicles, count(distinct c.gantry_id)::bigint as gantries
          from vehicle_counts c
          join gantries g on g.id = c.gantry_id
          where $__timeFilter(c.bucket) and c.source = 'ingest' and g.freeway in ($freeway)`),
      ),
    8,
    8,
  );

  board.add(
    new heatmap.PanelBuilder()
      .title("Segment speeds")
      .description("Volume-weighted space-mean speed (TDCS M05A) per segment between consecutive gantries over time.")
      .calculate(false)
      .color(
        new heatmap.HeatmapColorOptionsBuilder()
          .mode(heatmap.HeatmapColorMode.Scheme)
          .scheme("RdYlGn")
          .fill("dark-orange")
          .scale(heatmap.HeatmapColorScale.Linear)
          .exponent(0.5)
          .steps(64)
          .reverse(false)
          .min(0)
          .max(110),
      )
      .cellValues(new heatmap.CellValuesBuilder().unit("velocitykmh").decimals(0))
      .yAxis(new heatmap.YAxisConfigBuilder().axisPlacement(common.AxisPlacement.Left))
      .showValue(common.VisibilityMode.Never)
      .withTarget(
        timeSeries(`
          select $__timeGroupAlias(s.bucket, $__interval), r.freeway || r.direction || ' ' || s.from_gantry || '>' || s.to_gantry as metric,
                 (sum(s.speed_kmh * s.volume) / nullif(sum(s.volume), 0))::float8 as speed_kmh
          from segment_stats s
          join network_segment_periods r on r.from_gantry = s.from_gantry and r.to_gantry = s.to_gantry and r.kind = 'mainline'
                                          and s.bucket >= r.valid_from and s.bucket < r.valid_to
          where $__timeFilter(s.bucket) and s.speed_kmh is not null and s.volume > 0 and r.freeway in ($freeway)
          group by 1, 2
          order by 1, 2`),
      ),
    16,
    10,
  );
  board.add(
    new timeseries.PanelBuilder()
      .title("Travel time index")
      .description("Actual over free-flow travel time, weighted by vehicle-km: 1.0 is free flow, 2.0 takes twice as long.")
      .unit("none")
      .decimals(2)
      .thresholds(
        thresholds([
          [null, "green"],
          [1.3, "orange"],
          [2, "red"],
        ]),
      )
      .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed))
      .withTarget(
        timeSeries(`
          select $__timeGroupAlias(s.bucket, $__interval),
                 (sum(s.volume * r.length_km / s.speed_kmh) / nullif(sum(s.volume * r.length_km / r.free_flow_kmh), 0))::float8 as tti
          from segment_stats s
          join network_segment_periods r on r.from_gantry = s.from_gantry and r.to_gantry = s.to_gantry and r.kind = 'mainline'
                                          and s.bucket >= r.valid_from and s.bucket < r.valid_to
          where $__timeFilter(s.bucket) and s.speed_kmh > 0 and s.volume > 0 and r.freeway in ($freeway)
          group by 1
          order by 1`),
      ),
    8,
    10,
  );

  board.add(
    new table.PanelBuilder()
      .title("Hotspots")
      .description("Bottlenecks found by the PeMS method, ranked by vehicle-hours of delay.")
      .withTarget(
        tableQuery(`
          select h.freeway, h.direction, h.km, h.from_gantry, h.to_gantry, h.severity, h.status, h.started_at, h.last_active_at, h.ended_at,
                 h.min_speed_kmh, h.delay_vehicle_hours, h.extent_upstream_km
          from hotspots h
          where ${hotspotsInRange}
          order by h.delay_vehicle_hours desc, h.started_at desc
          limit 50`),
      ),
    12,
    10,
  );
  board.add(
    new geomap.PanelBuilder()
      .title("Hotspot map")
      .description("Gantries (grey) at their published coordinates and hotspots (sized by delay, coloured by severity) at the upstream gantry.")
      .view(new geomap.MapViewConfigBuilder().id("coords").lat(23.7).lon(120.9).zoom(7))
      .controls(new geomap.ControlsOptionsBuilder().showZoom(true).mouseWheelZoom(true).showAttribution(true))
      .basemap(new common.MapLayerOptionsBuilder().type("default").name("Basemap"))
      .layers([
        new common.MapLayerOptionsBuilder()
          .type("markers")
          .name("Gantries")
          .location(new common.FrameGeometrySourceBuilder().mode(common.FrameGeometrySourceMode.Coords).latitude("latitude").longitude("longitude"))
          .filterData({ id: "byRefId", options: "A" })
          .config({
            showLegend: false,
            style: { color: { fixed: "#8e8e8e" }, size: { fixed: 3 }, symbol: { fixed: "img/icons/marker/circle.svg", mode: "fixed" }, opacity: 0.6 },
          })
          .tooltip(true),
        new common.MapLayerOptionsBuilder()
          .type("markers")
          .name("Hotspots")
          .location(new common.FrameGeometrySourceBuilder().mode(common.FrameGeometrySourceMode.Coords).latitude("latitude").longitude("longitude"))
          .filterData({ id: "byRefId", options: "B" })
          .config({
            showLegend: true,
            style: {
              color: { field: "severity_level", fixed: "red" },
              size: { field: "delay_vehicle_hours", fixed: 8, min: 6, max: 24 },
              symbol: { fixed: "img/icons/marker/circle.svg", mode: "fixed" },
              opacity: 0.85,
            },
          })
          .tooltip(true),
      ])
      .tooltip(new geomap.TooltipOptionsBuilder().mode(geomap.TooltipMode.Details))
      .thresholds(
        thresholds([
          [null, "yellow"],
          [2, "orange"],
          [3, "red"],
        ]),
      )
      .withTarget(
        tableQuery(`
          select g.id as gantry, g.road_name, g.km, g.lat as latitude, g.lon as longitude
          from gantries g
          where g.lat is not null and g.lon is not null and g.freeway in ($freeway)
          order by g.id`).refId("A"),
      )
      .withTarget(
        tableQuery(`
          select h.from_gantry || '>' || h.to_gantry as segment, h.severity,
                 case h.severity when 'severe' then 3 when 'moderate' then 2 else 1 end as severity_level,
                 h.status, h.delay_vehicle_hours, h.min_speed_kmh, g.lat as latitude, g.lon as longitude
          from hotspots h
          join gantries g on g.id = h.from_gantry
          where ${hotspotsInRange} and g.lat is not null and g.lon is not null
          order by h.delay_vehicle_hours desc`).refId("B"),
      ),
    12,
    10,
  );

  board.add(
    new table.PanelBuilder()
      .title("Incidents")
      .description(
        "Incidents detected from overdue tags (control/incidents): vehicles read at a gantry and not at the next one within the time-of-day travel time. Newest first; the hotspot is the bottleneck the incident became.",
      )
      .withTarget(
        tableQuery(`
          select i.freeway, i.direction, i.km, i.from_gantry, i.to_gantry, i.status, i.severity, i.started_at, i.raised_at,
                 extract(epoch from i.raised_at - i.started_at)::float8 as seconds_to_raise, i.confirmed_at, i.cleared_at,
                 i.overdue_vehicles, i.speed_bound_kmh, i.extent_upstream_km, i.hotspot_id, h.delay_vehicle_hours as hotspot_delay_vehicle_hours
          from incidents i
          left join hotspots h on h.id = i.hotspot_id
          where ${incidentsInRange}
          order by i.raised_at desc
          limit 50`),
      ),
    16,
    8,
  );
  board.add(
    new timeseries.PanelBuilder()
      .title("Open incidents")
      .description("Incidents raised or confirmed and not yet cleared, by severity, at each point of the range.")
      .unit("short")
      .decimals(0)
      .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
      .fillOpacity(40)
      .withTarget(
        timeSeries(`
          select t.time, i.severity as metric, count(i.id)::float8 as incidents
          from generate_series($__timeFrom()::timestamptz, $__timeTo()::timestamptz, greatest($__interval_ms, 60000) * interval '1 millisecond') as t(time)
          join incidents i on i.raised_at <= t.time and (i.cleared_at is null or i.cleared_at > t.time) and i.freeway in ($freeway)
          group by 1, 2
          order by 1, 2`),
      ),
    8,
    8,
  );
  board.add(
    new timeseries.PanelBuilder()
      .title("Congestion prices")
      .description(
        "Rate multiplier of each priced segment (control/pricing), stepped at the time each price applies; it is announced 5 minutes before. 1.0 is the fixed rate.",
      )
      .unit("none")
      .decimals(2)
      .withTarget(
        timeSeries(`
          select l.effective_from as time, l.from_gantry || '>' || l.to_gantry as metric, (l.permille / 1000.0)::float8 as multiplier
          from price_log l
          join road_segments r on r.from_gantry = l.from_gantry and r.to_gantry = l.to_gantry
          where $__timeFilter(l.effective_from) and r.freeway in ($freeway)
          order by 1, 2`),
      ),
    12,
    8,
  );
  board.add(
    new timeseries.PanelBuilder()
      .title("Speed behind the prices")
      .description(
        "Space-mean speed of the vehicles that left each priced segment in the interval each price was computed from (control/pricing); the controller holds it at or above 72 km/h.",
      )
      .unit("velocitykmh")
      .thresholds(
        thresholds([
          [null, "red"],
          [72, "green"],
        ]),
      )
      .withTarget(
        timeSeries(`
          select l.announced_at as time, l.from_gantry || '>' || l.to_gantry as metric, l.speed_kmh::float8 as speed
          from price_log l
          join road_segments r on r.from_gantry = l.from_gantry and r.to_gantry = l.to_gantry
          where $__timeFilter(l.announced_at) and r.freeway in ($freeway) and l.speed_kmh is not null
          order by 1, 2`),
      ),
    12,
    8,
  );
  return board.build();
}
