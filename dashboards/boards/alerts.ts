import { normalizeSql } from "../sql/sql-query.ts";
import { DATASOURCE } from "../sql/sql-query.ts";
import { SILENT_AFTER } from "./ingest-health.ts";

/**
 * Grafana alert rules in the file-provisioning format. Each rule: a SQL query (A) in table format,
 * whose numeric column becomes one series per row (string columns become labels), and a threshold
 * expression (B) as the condition.
 */
interface RuleSpec {
  uid: string;
  title: string;
  sql: string;
  /** Seconds of history the query sees (its $__timeFilter range). */
  lookbackS: number;
  above: number;
  for: string;
  noData: "OK" | "NoData" | "Alerting";
  severity: "warning" | "critical";
  summary: string;
  dashboardUid: string;
}

const rules: RuleSpec[] = [
  {
    uid: "tollway-gantry-silent",
    title: "Gantry silent for 5 minutes",
    sql: `
      select gantry_id, extract(epoch from now() - last_seen_at)::float8 as silent_s
      from gantry_status
      order by gantry_id`,
    lookbackS: 600,
    above: 300,
    for: "0s",
    noData: "OK",
    severity: "warning",
    summary: `Gantry {{ $labels.gantry_id }} has sent no batch for over ${SILENT_AFTER}.`,
    dashboardUid: "tollway-ingest",
  },
  {
    uid: "tollway-severe-hotspot",
    title: "New severe hotspot",
    sql: `
      select h.freeway || h.direction || ' ' || h.from_gantry || '>' || h.to_gantry as segment, count(*)::float8 as severe_hotspots
      from hotspots h
      where h.severity = 'severe' and h.ended_at is null and h.detected_at >= $__timeFrom()
      group by 1
      order by 1`,
    lookbackS: 900,
    above: 0,
    for: "0s",
    noData: "OK",
    severity: "critical",
    summary: "Severe congestion detected at {{ $labels.segment }}.",
    dashboardUid: "tollway-network",
  },
  {
    uid: "tollway-reject-rate",
    title: "Ingest reject rate above 5 %",
    sql: `
      select coalesce(sum(rejected_reads)::float8 / nullif(sum(reads), 0), 0) as reject_rate
      from ingest_stats
      where $__timeFilter(ts)`,
    lookbackS: 300,
    above: 0.05,
    for: "5m",
    noData: "OK",
    severity: "warning",
    summary: "More than 5 % of reads were rejected over the last 5 minutes; see dead letters by reason.",
    dashboardUid: "tollway-tolling",
  },
];

export function alertRules() {
  return {
    apiVersion: 1,
    groups: [
      {
        orgId: 1,
        name: "tollway",
        folder: "Tollway",
        interval: "1m",
        rules: rules.map((r) => ({
          uid: r.uid,
          title: r.title,
          condition: "B",
          data: [
            {
              refId: "A",
              relativeTimeRange: { from: r.lookbackS, to: 0 },
              datasourceUid: DATASOURCE.uid,
              model: {
                refId: "A",
                datasource: { ...DATASOURCE },
                editorMode: "code",
                format: "table",
                rawQuery: true,
                rawSql: normalizeSql(r.sql),
                intervalMs: 60000,
                maxDataPoints: 43200,
              },
            },
            {
              refId: "B",
              relativeTimeRange: { from: 0, to: 0 },
              datasourceUid: "__expr__",
              model: {
                refId: "B",
                datasource: { type: "__expr__", uid: "__expr__" },
                type: "threshold",
                expression: "A",
                conditions: [{ evaluator: { type: "gt", params: [r.above] } }],
              },
            },
          ],
          noDataState: r.noData,
          execErrState: "Error",
          for: r.for,
          annotations: { summary: r.summary, __dashboardUid__: r.dashboardUid },
          labels: { severity: r.severity, team: "traffic-control" },
          isPaused: false,
        })),
      },
    ],
  };
}
