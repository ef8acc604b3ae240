import * as barchart from "@grafana/grafana-foundation-sdk/barchart";
import * as common from "@grafana/grafana-foundation-sdk/common";
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as xychart from "@grafana/grafana-foundation-sdk/xychart";
import { table as tableQuery } from "../sql/sql-query.ts";
import { Board, sqlVariable } from "./common.ts";

// The plan the board shows: the active one, else the newest proposal.
const shownPlan = `select id from signal_plans where corridor_id = '$corridor' and status in ('active', 'approved', 'proposed') order by (status = 'active') desc, version desc limit 1`;

/**
 * Time-space rows of a plan: signal_plans.result.timeSpace holds control/greenwave's TimeSpaceRow[]
 * ({kind: green|red|band_lower|band_upper, direction, label, seq, fromS, toS, fromM, toM}): segments
 * from (fromS, fromM) to (toS, toM) over two cycles. Each segment is drawn as points about a second
 * apart, so greens read as bars at each signal and band edges as slanted lines.
 */
function timeSpaceSeries(direction: "outbound" | "inbound", kinds: string[], column: string, refId: string) {
  return tableQuery(`
    select (r."fromS" + (r."toS" - r."fromS") * f.i / n.steps)::float8 as time_s,
           (r."fromM" + (r."toM" - r."fromM") * f.i / n.steps)::float8 as ${column}
    from signal_plans p
    cross join lateral jsonb_to_recordset(p.result -> 'timeSpace') as r(kind text, direction text, seq int, "fromS" float8, "toS" float8, "fromM" float8, "toM" float8)
    cross join lateral (select greatest(1, ceil(r."toS" - r."fromS"))::int as steps) n
    cross join lateral generate_series(0, n.steps) as f(i)
    where p.id = (${shownPlan}) and r.direction = '${direction}' and r.kind in (${kinds.map((k) => `'${k}'`).join(", ")})
    order by 1, 2`).refId(refId);
}

function xySeries(frame: number, y: string) {
  return {
    build: () => ({
      frame: { matcher: { id: "byIndex", options: frame } },
      x: { matcher: { id: "byName", options: "time_s" } },
      y: { matcher: { id: "byName", options: y } },
    }),
  };
}

export function signalPlans(): dashboard.Dashboard {
  const board = new Board(
    "tollway-signals",
    "Tollway / Signal plans",
    "Green-wave plans per corridor: active and proposed plans, bands, efficiency and the time-space diagram.",
  );
  board.builder.withVariable(sqlVariable("corridor", "Corridor", "select name as __text, id::text as __value from corridors order by name"));

  board.add(
    new stat.PanelBuilder()
      .title("Shown plan")
      .description("The active plan, or the newest proposal when none is active.")
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).fields("/^(cycle_s|outbound_band_s|inbound_band_s|efficiency)$/"))
      .withTarget(
        tableQuery(`
          select version, status, method, cycle_s::float8 as cycle_s, outbound_band_s::float8 as outbound_band_s,
                 inbound_band_s::float8 as inbound_band_s, efficiency::float8 as efficiency
          from signal_plans
          where id = (${shownPlan})`),
      ),
    24,
    4,
  );
  board.add(
    new table.PanelBuilder().title("Plans").withTarget(
      tableQuery(`
        select version, status, method, cycle_s, outbound_band_s, inbound_band_s, efficiency, solver_status, created_at, approved_at, activated_at, retired_at
        from signal_plans
        where corridor_id = '$corridor'
        order by version desc
        limit 50`),
    ),
    14,
    8,
  );
  board.add(
    new barchart.PanelBuilder()
      .title("Band efficiency by plan")
      .description("Band width over cycle length, per direction and in total.")
      .unit("percentunit")
      .xField("plan")
      .withTarget(
        tableQuery(`
          select 'v' || version || ' ' || status as plan, (outbound_band_s / cycle_s)::float8 as outbound, (inbound_band_s / cycle_s)::float8 as inbound,
                 efficiency::float8 as efficiency
          from signal_plans
          where corridor_id = '$corridor'
          order by version desc
          limit 10`),
      ),
    10,
    8,
  );
  board.add(
    new table.PanelBuilder().title("Intersections of the shown plan").withTarget(
      tableQuery(`
        select i.seq, i.name, i.distance_m, spi.offset_s, spi.splits::text as splits
        from signal_plan_intersections spi
        join intersections i on i.id = spi.intersection_id
        where spi.plan_id = (${shownPlan})
        order by i.seq`),
    ),
    10,
    10,
  );
  board.add(
    new xychart.PanelBuilder()
      .title("Time-space diagram")
      .description("Outbound greens at each signal (position along the corridor) over two cycles, with the outbound and inbound band edges.")
      .mapping(xychart.SeriesMapping.Manual)
      .show(xychart.XYShowMode.Points)
      .pointSize({ fixed: 3 })
      .axisLabel("distance (m)")
      .series([xySeries(0, "outbound_green"), xySeries(1, "outbound_band"), xySeries(2, "inbound_band")])
      .overrideByName("outbound_green", [{ id: "color", value: { mode: "fixed", fixedColor: "green" } }])
      .overrideByName("outbound_band", [{ id: "color", value: { mode: "fixed", fixedColor: "blue" } }])
      .overrideByName("inbound_band", [{ id: "color", value: { mode: "fixed", fixedColor: "purple" } }])
      .withTarget(timeSpaceSeries("outbound", ["green"], "outbound_green", "A"))
      .withTarget(timeSpaceSeries("outbound", ["band_lower", "band_upper"], "outbound_band", "B"))
      .withTarget(timeSpaceSeries("inbound", ["band_lower", "band_upper"], "inbound_band", "C")),
    14,
    10,
  );
  return board.build();
}
