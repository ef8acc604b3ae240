import * as common from "@grafana/grafana-foundation-sdk/common";
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { table as tableQuery, timeSeries } from "../sql/sql-query.ts";
import { Board, sqlVariable, thresholds, vehiclesByClassSql } from "./common.ts";

export function gantryDetail(): dashboard.Dashboard {
  const board = new Board("tollway-gantry", "Tollway / Gantry detail", "One gantry: counts by class and lane, read quality, plate-only share and liveness.");
  board.builder.withVariable(sqlVariable("gantry", "Gantry", "select id from gantries order by freeway, direction, km, id"));

  board.add(
    new table.PanelBuilder().title("Gantry").withTarget(
      tableQuery(`
        select g.id, g.road_name, g.direction, g.location_mile, g.km, g.lat, g.lon, g.section_start, g.section_end, g.active
        from gantries g
        where g.id = '$gantry'`),
    ),
    16,
    4,
  );
  board.add(
    new stat.PanelBuilder()
      .title("Last seen")
      .description("Seconds since the gantry's last batch; red after 5 minutes of silence.")
      .unit("s")
      .thresholds(
        thresholds([
          [null, "green"],
          [120, "orange"],
          [300, "red"],
        ]),
      )
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).fields("/^silent_s$/"))
      .withTarget(
        tableQuery(`
          select s.last_seen_at, s.last_batch_no, s.last_read_at, extract(epoch from now() - s.last_seen_at)::float8 as silent_s
          from gantry_status s
          where s.gantry_id = '$gantry'`),
      ),
    8,
    4,
  );

  board.add(
    new timeseries.PanelBuilder()
      .title("Vehicles by class")
      .unit("short")
      .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
      .fillOpacity(30)
      .withTarget(timeSeries(vehiclesByClassSql("c.gantry_id = '$gantry'"))),
    12,
    8,
  );
  board.add(
    new timeseries.PanelBuilder()
      .title("Passages by lane")
      .unit("short")
      .withTarget(
        timeSeries(`
          select $__timeGroupAlias(l.bucket, $__interval), 'lane ' || case when l.lane < 0 then '?' else l.lane::text end as metric, sum(l.passages)::bigint as passages
          from gantry_lane_counts l
          where l.gantry_id = '$gantry' and $__timeFilter(l.bucket)
          group by 1, 2
          order by 1, 2`),
      ),
    12,
    8,
  );

  board.add(
    new timeseries.PanelBuilder()
      .title("Read quality")
      .description("Share of reads rejected into dead letters, share merged as antenna duplicates, and mean plate-read confidence.")
      .unit("percentunit")
      .min(0)
      .withTarget(
        timeSeries(`
          select $__timeGroupAlias(b.received_at, $__interval),
                 (sum(b.rejected)::float8 / nullif(sum(b.reads), 0)) as rejected_share,
                 (sum(b.antenna_duplicates)::float8 / nullif(sum(b.reads), 0)) as antenna_duplicate_share
          from ingest_batches b
          where b.gantry_id = '$gantry' and $__timeFilter(b.received_at)
          group by 1
          order by 1`).refId("A"),
      )
      .withTarget(
        timeSeries(`
          select $__timeGroupAlias(l.bucket, $__interval), (sum(l.plate_conf_sum) / sum(l.plate_reads))::float8 as plate_confidence
          from gantry_lane_counts l
          where l.gantry_id = '$gantry' and $__timeFilter(l.bucket) and l.plate_reads > 0
          group by 1
          order by 1`).refId("B"),
      ),
    12,
    8,
  );
  board.add(
    new timeseries.PanelBuilder()
      .title("Plate-only share")
      .description("Passages without a tag, billed by plate.")
      .unit("percentunit")
      .min(0)
      .withTarget(
        timeSeries(`
          select $__timeGroupAlias(l.bucket, $__interval), sum(l.plate_only)::float8 / sum(l.passages) as plate_only_share
          from gantry_lane_counts l
          where l.gantry_id = '$gantry' and $__timeFilter(l.bucket)
          group by 1
          order by 1`),
      ),
    12,
    8,
  );
  return board.build();
}
