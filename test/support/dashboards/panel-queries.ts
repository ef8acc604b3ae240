import { expect } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type pg from "pg";
import { expandGrafanaSql, type ExpandOptions, type TemplateVariable } from "../../../dashboards/sql/grafana-macros.ts";
import { ALERTS_FILE, DASHBOARD_DIR } from "../../../dashboards/render.ts";

/**
 * Every SQL query Grafana will run for the committed dashboards and alert rules, and the shape each
 * panel needs from its result.
 */
export const repoRoot = join(import.meta.dir, "..", "..", "..");

interface Target {
  refId: string;
  format: "time_series" | "table";
  rawSql: string;
  datasource?: { type: string; uid: string };
}

interface PanelJson {
  id: number;
  type: string;
  title: string;
  targets?: Target[];
  options?: Record<string, unknown>;
}

interface VariableJson {
  name: string;
  type: string;
  query: string;
  multi?: boolean;
  includeAll?: boolean;
}

export interface DashboardJson {
  uid: string;
  title: string;
  panels: PanelJson[];
  templating?: { list: VariableJson[] };
}

export interface PanelQuery {
  dashboard: DashboardJson;
  panel: PanelJson;
  target: Target;
  name: string;
}

export interface AlertQuery {
  uid: string;
  title: string;
  rawSql: string;
  lookbackS: number;
}

export function committedDashboards(): DashboardJson[] {
  const dir = join(repoRoot, DASHBOARD_DIR);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as DashboardJson);
}

export function panelQueries(dashboards: DashboardJson[]): PanelQuery[] {
  return dashboards.flatMap((d) =>
    d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ dashboard: d, panel: p, target: t, name: `${d.title} / ${p.title} / ${t.refId}` }))),
  );
}

export function alertQueries(): AlertQuery[] {
  const doc = Bun.YAML.parse(readFileSync(join(repoRoot, ALERTS_FILE), "utf8")) as {
    groups: {
      rules: {
        uid: string;
        title: string;
        data: { refId: string; datasourceUid: string; relativeTimeRange: { from: number }; model: { rawSql?: string } }[];
      }[];
    }[];
  };
  return doc.groups.flatMap((g) =>
    g.rules.flatMap((r) =>
      r.data
        .filter((d) => d.datasourceUid !== "__expr__")
        .map((d) => ({ uid: r.uid, title: r.title, rawSql: d.model.rawSql!, lookbackS: d.relativeTimeRange.from })),
    ),
  );
}

const NUMERIC = new Set([20, 21, 23, 700, 701, 1700]);
const TEXT = new Set([25, 1043, 19, 18]);
const TIME = new Set([1114, 1184]);

export interface QueryResult {
  fields: { name: string; dataTypeID: number }[];
  rows: Record<string, unknown>[];
}

/** Runs SQL as Grafana's read-only role, like the provisioned datasource. */
export async function runAsGrafana(client: pg.PoolClient, sql: string): Promise<QueryResult> {
  await client.query("set role tollway_grafana");
  try {
    const res = await client.query(sql);
    return { fields: res.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })), rows: res.rows };
  } finally {
    await client.query("reset role");
  }
}

/** Template variable values as Grafana picks them: the first option, or every option for "All". */
export async function resolveVariables(client: pg.PoolClient, d: DashboardJson, base: ExpandOptions): Promise<Record<string, TemplateVariable>> {
  const values: Record<string, TemplateVariable> = {};
  for (const v of d.templating?.list ?? []) {
    if (v.type !== "query") continue;
    const res = await runAsGrafana(client, expandGrafanaSql(v.query, { ...base, variables: values }));
    expect(res.rows.length).toBeGreaterThan(0);
    const key = res.fields.some((f) => f.name === "__value") ? "__value" : res.fields[0]!.name;
    const options = res.rows.map((r) => String(r[key]));
    values[v.name] = v.includeAll
      ? { value: options, multi: v.multi ?? false, includeAll: true }
      : { value: options[0]!, multi: v.multi ?? false, includeAll: false };
  }
  return values;
}

function numericFields(r: QueryResult) {
  return r.fields.filter((f) => NUMERIC.has(f.dataTypeID));
}

/** Asserts the result has the shape the panel type and query format need, with at least one row. */
export function expectPanelShape(q: PanelQuery, r: QueryResult): void {
  const label = q.name;
  expect(r.rows.length, `${label}: no rows`).toBeGreaterThan(0);
  const names = r.fields.map((f) => f.name);
  expect(new Set(names).size, `${label}: duplicate column names ${names}`).toBe(names.length);
  expect(
    names.filter((n) => n === "?column?"),
    `${label}: unnamed column`,
  ).toEqual([]);

  if (q.target.format === "time_series") {
    const time = r.fields.find((f) => f.name === "time");
    expect(time, `${label}: time_series needs a "time" column`).toBeDefined();
    expect(TIME.has(time!.dataTypeID) || NUMERIC.has(time!.dataTypeID), `${label}: time column type ${time!.dataTypeID}`).toBe(true);
    expect(
      r.rows.every((row) => row.time !== null),
      `${label}: null time`,
    ).toBe(true);
    const values = r.fields.filter((f) => f.name !== "time");
    expect(values.length, `${label}: no value column`).toBeGreaterThan(0);
    for (const f of values) expect(NUMERIC.has(f.dataTypeID) || TEXT.has(f.dataTypeID), `${label}: column ${f.name} type ${f.dataTypeID}`).toBe(true);
    expect(values.filter((f) => NUMERIC.has(f.dataTypeID)).length, `${label}: no numeric value`).toBeGreaterThan(0);
    // Long format: the series are named by the "metric" column, one value per (time, metric).
    const keys = r.rows.map((row) => `${String(row.time)}|${String(row.metric ?? "")}`);
    expect(new Set(keys).size, `${label}: repeated (time, metric)`).toBe(keys.length);
    return;
  }

  switch (q.panel.type) {
    case "geomap": {
      for (const c of ["latitude", "longitude"]) {
        const f = r.fields.find((x) => x.name === c);
        expect(f && NUMERIC.has(f.dataTypeID), `${label}: numeric ${c}`).toBe(true);
      }
      // Real gantry coordinates: Taiwan.
      for (const row of r.rows) {
        expect(Number(row.latitude)).toBeWithin(21.5, 25.5);
        expect(Number(row.longitude)).toBeWithin(119.5, 122.5);
      }
      return;
    }
    case "stat":
      expect(numericFields(r).length, `${label}: stat needs a numeric column`).toBeGreaterThan(0);
      return;
    case "barchart": {
      const xField = String(q.panel.options?.xField ?? "");
      const x = r.fields.find((f) => f.name === xField);
      expect(x && TEXT.has(x.dataTypeID), `${label}: text x field ${xField}`).toBe(true);
      expect(numericFields(r).length).toBeGreaterThan(0);
      return;
    }
    case "xychart": {
      expect(names[0]).toBe("time_s");
      expect(
        r.fields.every((f) => NUMERIC.has(f.dataTypeID)),
        `${label}: xy columns numeric`,
      ).toBe(true);
      expect(r.fields.length).toBe(2);
      return;
    }
    case "table":
      expect(r.fields.length).toBeGreaterThan(0);
      return;
    default:
      throw new Error(`${label}: no shape rule for panel type ${q.panel.type}`);
  }
}

/** Grafana turns a table result into alert series: exactly one numeric column, strings become labels. */
export function expectAlertShape(a: AlertQuery, r: QueryResult): void {
  expect(r.rows.length, `${a.title}: no rows`).toBeGreaterThan(0);
  expect(numericFields(r).length, `${a.title}: one numeric column`).toBe(1);
  for (const f of r.fields) expect(NUMERIC.has(f.dataTypeID) || TEXT.has(f.dataTypeID), `${a.title}: ${f.name}`).toBe(true);
}
