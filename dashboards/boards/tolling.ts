import * as common from "@grafana/grafana-foundation-sdk/common";
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { table as tableQuery, timeSeries } from "../sql/sql-query.ts";
import { Board, classLabel } from "./common.ts";

// Days are local tolling days in TOLL_TIMEZONE, which the database knows (sql/520; a scalar subquery
// reads it once per query); a day bucket starts before the range start, so take it too.
const tollZone = "(select toll_timezone())";
const daysInRange = `bucket > $__timeFrom()::timestamptz - interval '1 day' and bucket <= $__timeTo()`;
const localDaysInRange = `local_day between ($__timeFrom()::timestamptz at time zone ${tollZone})::date and ($__timeTo()::timestamptz at time zone ${tollZone})::date`;

function bars(title: string, unit: string): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title(title)
    .unit(unit)
    .drawStyle(common.GraphDrawStyle.Bars)
    .fillOpacity(80)
    .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
}

export function tolling(): dashboard.Dashboard {
  const board = new Board("tollway-tolling", "Tollway / Tolling", "Passages and revenue per local day and class, settlement, plate billing and dead letters.");
  board.builder.time({ from: "now-30d", to: "now" }).refresh("5m");

  board.add(
    bars("Passages per day and class", "short").withTarget(
      timeSeries(`
        select bucket as "time", ${classLabel("vehicle_class")} as metric, passages
        from passages_daily
        where ${daysInRange}
        order by 1, 2`),
    ),
    12,
    8,
  );
  board.add(
    bars("Posted tolls per day and class", "currencyNTD").withTarget(
      timeSeries(`
        select bucket as "time", ${classLabel("vehicle_class")} as metric, (posted_tenths / 10.0)::float8 as posted_ntd
        from passages_daily
        where ${daysInRange}
        order by 1, 2`),
    ),
    12,
    8,
  );

  board.add(
    bars("Settled revenue per day and class", "currencyNTD")
      .description("What vehicles pay after the daily settlement (free km, long-distance discount, rounding).")
      .withTarget(
        timeSeries(`
          select (local_day::timestamp at time zone ${tollZone}) as "time", ${classLabel("vehicle_class")} as metric,
                 (sum(payable_tenths) / 10.0)::float8 as payable_ntd
          from settlements
          where ${localDaysInRange}
          group by 1, 2
          order by 1, 2`),
      ),
    12,
    8,
  );
  board.add(
    new table.PanelBuilder().title("Settlement runs").withTarget(
      tableQuery(`
        select local_day, status, vehicles, (payable_tenths / 10.0)::float8 as payable_ntd, adjustments, triggered_by, started_at, finished_at, error
        from settlement_runs
        where ${localDaysInRange}
        order by local_day desc, id desc
        limit 100`),
    ),
    12,
    8,
  );

  board.add(
    new table.PanelBuilder().title("Plate bills by status").withTarget(
      tableQuery(`
        select status, count(*)::bigint as bills, (sum(toll_tenths + fee_tenths + fine_tenths) / 10.0)::float8 as amount_ntd,
               (sum(fee_tenths + fine_tenths) / 10.0)::float8 as surcharges_ntd, min(due_date) as oldest_due
        from plate_bills
        group by status
        order by status`),
    ),
    8,
    8,
  );
  board.add(
    bars("Plate bill escalations", "short")
      .description("Plate bill events per interval: created, notice, handling fee, fine, paid.")
      .withTarget(
        timeSeries(`
          select $__timeGroupAlias(at, $__interval), kind as metric, count(*)::bigint as events
          from plate_bill_events
          where $__timeFilter(at)
          group by 1, 2
          order by 1, 2`),
      ),
    16,
    8,
  );

  board.add(
    new timeseries.PanelBuilder()
      .title("Dead letters by reason")
      .unit("short")
      .withTarget(
        timeSeries(`
          select $__timeGroupAlias(received_at, $__interval), reason as metric, count(*)::bigint as dead_letters
          from dead_letters
          where $__timeFilter(received_at)
          group by 1, 2
          order by 1, 2`),
      ),
    16,
    8,
  );
  board.add(
    new table.PanelBuilder().title("Dead letter reasons").withTarget(
      tableQuery(`
        select reason, count(*)::bigint as dead_letters, count(distinct gantry_id)::bigint as gantries, max(received_at) as last_at
        from dead_letters
        where $__timeFilter(received_at)
        group by reason
        order by 2 desc, 1`),
    ),
    8,
    8,
  );

  board.add(
    new table.PanelBuilder()
      .title("Revenue reconciliation per day")
      .description(
        "Every stored passage of a local day in one bucket: charged to an account, billed to a plate, no charge, pending (not settled yet), unbillable by reason. Per gantry and the money against the ledger: GET /v1/reconciliation.",
      )
      .withTarget(
        tableQuery(`
          select d::date as local_day, r.bucket, count(*)::bigint as passages, (coalesce(sum(r.posted_price_tenths), 0) / 10.0)::float8 as posted_ntd
          from generate_series(($__timeFrom()::timestamptz at time zone ${tollZone})::date, ($__timeTo()::timestamptz at time zone ${tollZone})::date, interval '1 day') d
          cross join lateral passage_reconciliation(d::date) r
          group by 1, 2
          order by 1 desc, 2`),
      ),
    24,
    8,
  );

  board.add(
    bars("Hotlist hits", "short")
      .description("Passages of blocked, lost or stolen tags: not charged to the tag's owner (billed by plate, or unbillable without one).")
      .withTarget(
        timeSeries(`
          select $__timeGroupAlias(ts, $__interval), tag_status as metric, count(*)::bigint as hits
          from hotlist_hits
          where $__timeFilter(ts)
          group by 1, 2
          order by 1, 2`),
      ),
    10,
    8,
  );
  board.add(
    new table.PanelBuilder()
      .title("Latest hotlist hits")
      .description("Gantry, time and plate of each read of a hotlisted tag; billedAs: vehicle:<id>, plate:<plate>, or the tag (unbillable).")
      .withTarget(
        tableQuery(`
          select ts, gantry_id, tag_id, tag_status, plate, vehicle_key as billed_as
          from hotlist_hits
          where $__timeFilter(ts)
          order by ts desc, id desc
          limit 200`),
      ),
    14,
    8,
  );
  return board.build();
}
