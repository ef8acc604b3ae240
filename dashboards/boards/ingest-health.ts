import * as common from "@grafana/grafana-foundation-sdk/common";
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { table as tableQuery, timeSeries } from "../sql/sql-query.ts";
import { Board, thresholds } from "./common.ts";

/** A gantry is silent when its last batch is older than this (the alert uses the same rule). */
export const SILENT_AFTER = "5 minutes";

export function ingestHealth(): dashboard.Dashboard {
  const board = new Board(
    "tollway-ingest",
    "Tollway / Ingest health",
    "Throughput, commit latency, rejects and in-flight batches of the ingest service, and silent gantries.",
  );
  board.builder.time({ from: "now-6h", to: "now" }).refresh("30s");

  board.add(
    new timeseries.PanelBuilder()
      .title("Reads per second")
      .unit("reqps")
      .withTarget(
        timeSeries(`
          select $__timeGroupAlias(ts, $__interval), instance as metric, (sum(reads) * 1000.0 / $__interval_ms)::float8 as reads_per_s
          from ingest_stats
          where $__timeFilter(ts)
          group by 1, 2
          order by 1, 2`),
      ),
    12,
    8,
  );
  board.add(
    new timeseries.PanelBuilder()
      .title("Commit latency")
      .description("Database commit time of batches: p50 and p99 as the ingest reports them per interval.")
      .unit("ms")
      .withTarget(
        timeSeries(`
          select $__timeGroupAlias(ts, $__interval), avg(commit_p50_ms)::float8 as p50_ms, max(commit_p99_ms)::float8 as p99_ms
          from ingest_stats
          where $__timeFilter(ts)
          group by 1
          order by 1`),
      ),
    12,
    8,
  );

  board.add(
    new timeseries.PanelBuilder()
      .title("Rejects and duplicates")
      .unit("short")
      .withTarget(
        timeSeries(`
          select $__timeGroupAlias(ts, $__interval), sum(rejected_reads)::bigint as rejected_reads, sum(rejected_batches)::bigint as rejected_batches,
                 sum(duplicates)::bigint as duplicate_batches
          from ingest_stats
          where $__timeFilter(ts)
          group by 1
          order by 1`),
      ),
    12,
    8,
  );
  board.add(
    new timeseries.PanelBuilder()
      .title("In-flight batches")
      .unit("short")
      .withTarget(
        timeSeries(`
          select $__timeGroupAlias(ts, $__interval), instance as metric, max(in_flight)::bigint as in_flight
          from ingest_stats
          where $__timeFilter(ts)
          group by 1, 2
          order by 1, 2`),
      ),
    12,
    8,
  );

  board.add(
    new stat.PanelBuilder()
      .title("Reject rate")
      .unit("percentunit")
      .decimals(2)
      .thresholds(
        thresholds([
          [null, "green"],
          [0.01, "orange"],
          [0.05, "red"],
        ]),
      )
      .withTarget(
        tableQuery(`
          select coalesce(sum(rejected_reads)::float8 / nullif(sum(reads), 0), 0) as reject_rate
          from ingest_stats
          where $__timeFilter(ts)`),
      ),
    6,
    8,
  );
  board.add(
    new stat.PanelBuilder()
      .title("Gantries reporting")
      .unit("short")
      .colorMode(common.BigValueColorMode.Value)
      .withTarget(
        tableQuery(`
          select count(*) filter (where last_seen_at >= now() - interval '${SILENT_AFTER}')::bigint as live,
                 count(*) filter (where last_seen_at < now() - interval '${SILENT_AFTER}')::bigint as silent
          from gantry_status`),
      ),
    6,
    8,
  );
  board.add(
    new table.PanelBuilder()
      .title("Silent gantries")
      .description(`Gantries whose last batch is older than ${SILENT_AFTER}.`)
      .withTarget(
        tableQuery(`
          select s.gantry_id, g.road_name, g.km, s.last_seen_at, extract(epoch from now() - s.last_seen_at)::float8 as silent_s, s.last_batch_no
          from gantry_status s
          left join gantries g on g.id = s.gantry_id
          where s.last_seen_at < now() - interval '${SILENT_AFTER}'
          order by s.last_seen_at
          limit 200`),
      ),
    12,
    8,
  );

  board.add(
    new timeseries.PanelBuilder()
      .title("Batches committed")
      .unit("short")
      .withTarget(
        timeSeries(`
          select $__timeGroupAlias(received_at, $__interval), count(*)::bigint as batches, sum(accepted)::bigint as accepted_reads,
                 sum(rejected)::bigint as rejected_reads, sum(antenna_duplicates)::bigint as antenna_duplicates
          from ingest_batches
          where $__timeFilter(received_at)
          group by 1
          order by 1`),
      ),
    24,
    8,
  );
  return board.build();
}
