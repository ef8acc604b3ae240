import type * as cog from "@grafana/grafana-foundation-sdk/cog";

/**
 * The foundation SDK has no PostgreSQL query type, so this builder produces the target the
 * grafana-postgresql-datasource plugin stores for a query written in code mode.
 */

/** The provisioned datasource (deploy/grafana/provisioning/datasources): dashboards refer to it by uid. */
export const DATASOURCE = { type: "grafana-postgresql-datasource", uid: "tollway-pg" } as const;

/** time_series: a "time" column plus numeric values (and optionally a string "metric" column); table: named columns. */
export type SqlFormat = "time_series" | "table";

export interface SqlQuery extends cog.Dataquery {
  refId: string;
  datasource: { type: string; uid: string };
  editorMode: "code";
  format: SqlFormat;
  rawQuery: true;
  rawSql: string;
}

export class SqlQueryBuilder implements cog.Builder<SqlQuery> {
  private readonly internal: Omit<SqlQuery, "_implementsDataqueryVariant">;

  constructor(rawSql: string, format: SqlFormat = "time_series") {
    this.internal = { refId: "A", datasource: { ...DATASOURCE }, editorMode: "code", format, rawQuery: true, rawSql: normalizeSql(rawSql) };
  }

  refId(refId: string): this {
    this.internal.refId = refId;
    return this;
  }

  build(): SqlQuery {
    // The marker method exists only in the SDK's types; the JSON must stay plain data.
    return { ...this.internal } as SqlQuery;
  }
}

export function timeSeries(sql: string): SqlQueryBuilder {
  return new SqlQueryBuilder(sql, "time_series");
}

export function table(sql: string): SqlQueryBuilder {
  return new SqlQueryBuilder(sql, "table");
}

/** Strips the indentation of template literals so the stored SQL reads well in Grafana's editor. */
export function normalizeSql(sql: string): string {
  const lines = sql.replace(/^\n+|\s+$/g, "").split("\n");
  const indents = lines.filter((l) => l.trim() !== "").map((l) => /^ */.exec(l)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut).trimEnd()).join("\n");
}
