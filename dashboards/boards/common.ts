import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { VEHICLE_CLASS_NAMES, VEHICLE_CLASSES } from "../../core/vehicle/vehicle-class.ts";
import { DATASOURCE } from "../sql/sql-query.ts";

/** A panel builder of any visualisation: what the dashboard needs to place and number it. */
interface PanelLike extends cog.Builder<dashboard.Panel> {
  id(id: number): unknown;
  gridPos(pos: dashboard.GridPos): unknown;
  datasource(ds: { type: string; uid: string }): unknown;
}

/**
 * Wraps the SDK's DashboardBuilder so every board is laid out the same way: panels are numbered in
 * the order they are added (stable ids make the generated JSON diff-friendly) and placed on an
 * explicit grid, left to right, wrapping at 24 columns.
 */
export class Board {
  readonly builder: dashboard.DashboardBuilder;
  private nextId = 1;
  private x = 0;
  private y = 0;
  private rowHeight = 0;

  constructor(uid: string, title: string, description: string) {
    this.builder = new dashboard.DashboardBuilder(title)
      .uid(uid)
      .description(description)
      .tags(["tollway"])
      .timezone("browser")
      .editable()
      .tooltip(dashboard.DashboardCursorSync.Crosshair)
      .time({ from: "now-24h", to: "now" })
      .refresh("1m");
  }

  /** Adds a panel of width w and height h (grid units). */
  add(panel: PanelLike, w: number, h: number): this {
    if (this.x + w > 24) this.newLine();
    panel.id(this.nextId++);
    panel.gridPos({ x: this.x, y: this.y, w, h });
    panel.datasource({ ...DATASOURCE });
    this.builder.withPanel(panel);
    this.x += w;
    this.rowHeight = Math.max(this.rowHeight, h);
    if (this.x >= 24) this.newLine();
    return this;
  }

  private newLine(): void {
    this.x = 0;
    this.y += this.rowHeight;
    this.rowHeight = 0;
  }

  build(): dashboard.Dashboard {
    return this.builder.build();
  }
}

/** A dashboard variable filled by a SQL query on the Tollway datasource. */
export function sqlVariable(name: string, label: string, sql: string): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .datasource({ ...DATASOURCE })
    .query(sql)
    .definition(sql)
    .refresh(dashboard.VariableRefresh.OnDashboardLoad)
    .sort(dashboard.VariableSort.Disabled);
}

/** TDCS vehicle classes as operators name them. */
export function classLabel(column: string): string {
  const names = VEHICLE_CLASSES.map((c) => `when ${c} then '${VEHICLE_CLASS_NAMES[c]}'`).join(" ");
  return `case ${column} ${names} else ${column}::text end`;
}

export function thresholds(steps: Array<[number | null, string]>): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps.map(([value, color]) => ({ value, color })));
}

/**
 * Vehicles per class over time from the 5-minute counts, or from the hourly rollup (a continuous
 * aggregate on TimescaleDB) once Grafana's interval is an hour or more. Both branches are in the
 * query; the one whose constant condition is false is never executed.
 */
export function vehiclesByClassSql(filter: string, join = ""): string {
  const branch = (table: string, condition: string) => `
          select $__timeGroupAlias(c.bucket, $__interval), ${classLabel("c.vehicle_class")} as metric, sum(c.volume)::bigint as vehicles
          from ${table} c${
            join
              ? `
          ${join}`
              : ""
          }
          where ${condition} and $__timeFilter(c.bucket) and c.source = 'ingest' and ${filter}
          group by 1, 2`;
  return `${branch("vehicle_counts", "$__interval_ms < 3600000")}
          union all${branch("vehicle_counts_hourly", "$__interval_ms >= 3600000")}
          order by 1, 2`;
}
