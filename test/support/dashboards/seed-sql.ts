import { createHighsLoader } from "../../../control/greenwave/highs.ts";
import { MaxbandSolver, oneWayProgression } from "../../../control/greenwave/maxband.ts";
import { littleArterial } from "../../../control/greenwave/little-1966.ts";
import { timeSpaceRows } from "../../../control/greenwave/time-space.ts";
import type { BulkColumn, Database } from "../../../core/db/database.ts";
import { SEGMENT_STATS_COLUMNS } from "../../../control/traveltime/travel-time-job.ts";

/**
 * Rows for the tables the ingest does not write (control: segment stats, hotspots, incidents, signal plans;
 * settlement: settlements, plate bills), placed on the gantries the ingest seed used, within the six
 * hours before `now`. Each shape mirrors what its producer writes.
 */
export interface SeedScope {
  now: Date;
  /** Consecutive gantries of one freeway and direction, in driving order. */
  gantries: string[];
}

const HOUR = 3_600_000;

/** bulkInsert in chunks: the TimescaleDB PGlite build drops the connection on very large unnest inserts. */
export async function insertChunked(db: Database, table: string, columns: readonly BulkColumn[], rows: unknown[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) await db.bulkInsert(table, columns, rows.slice(i, i + 1000));
}

/** The first gantries in the Gantry-detail variable's order that chain into road segments. */
export async function pickGantries(db: Database, count: number): Promise<string[]> {
  const rows = await db.query<{ id: string }>("select id from gantries order by freeway, direction, km, id");
  const segments = new Map(
    (await db.query<{ from_gantry: string; to_gantry: string }>("select from_gantry, to_gantry from road_segments")).map((r) => [r.from_gantry, r.to_gantry]),
  );
  for (const start of rows) {
    const chain = [start.id];
    while (chain.length < count && segments.has(chain[chain.length - 1]!)) chain.push(segments.get(chain[chain.length - 1]!)!);
    if (chain.length === count) return chain;
  }
  throw new Error(`no chain of ${count} gantries in road_segments`);
}

export async function seedControlAndBilling(db: Database, scope: SeedScope): Promise<void> {
  const { now, gantries } = scope;
  const start = new Date(Math.floor((now.getTime() - 6 * HOUR) / 300_000) * 300_000);

  // Segment stats every 5 minutes: speeds drop on the first segment in the last hour (a bottleneck).
  const segRows: unknown[][] = [];
  for (let t = start.getTime(); t < now.getTime(); t += 300_000) {
    for (let i = 0; i + 1 < gantries.length; i++) {
      const congested = i === 0 && t > now.getTime() - HOUR;
      const speed = congested ? 35 + ((t / 300_000) % 10) : 92 + ((t / 300_000 + i) % 7);
      const lengthKm = 5;
      segRows.push([new Date(t), gantries[i], gantries[i + 1], 31, "computed", (lengthKm / speed) * 3600, speed, 40 + i]);
      segRows.push([new Date(t), gantries[i], gantries[i + 1], 42, "computed", (lengthKm / (speed * 0.9)) * 3600, speed * 0.9, 6]);
    }
  }
  await insertChunked(db, "segment_stats", SEGMENT_STATS_COLUMNS, segRows);

  await db.query(
    `insert into hotspots (from_gantry, to_gantry, freeway, direction, km, status, severity, started_at, last_active_at, ended_at,
                           extent_upstream_km, min_speed_kmh, delay_vehicle_hours, detected_at)
     select r.from_gantry, r.to_gantry, r.freeway, r.direction, g.km, v.status, v.severity, $1::timestamptz - v.age, $1::timestamptz - v.idle,
            case when v.status = 'cleared' then $1::timestamptz - v.idle end, v.extent, v.min_speed, v.delay, $1::timestamptz - v.idle
     from road_segments r join gantries g on g.id = r.from_gantry,
          (values ('new', 'severe', interval '40 minutes', interval '1 minute', 3.5, 31.0, 120.5),
                  ('active', 'moderate', interval '3 hours', interval '10 minutes', 1.0, 52.0, 40.0),
                  ('cleared', 'minor', interval '5 hours', interval '4 hours', 0.0, 60.0, 5.0))
            as v(status, severity, age, idle, extent, min_speed, delay)
     where r.from_gantry = $2 and r.to_gantry = $3`,
    [now, gantries[0], gantries[1]],
  );
  // Incidents as the incident job writes them: one open (linked to the open hotspot), one cleared.
  await db.query(
    `insert into incidents (from_gantry, to_gantry, freeway, direction, km, status, severity, started_at, raised_at, confirmed_at, cleared_at,
                            overdue_vehicles, longest_overdue_s, expected_travel_time_s, speed_bound_kmh, extent_upstream_km, queue_segments, hotspot_id)
     select r.from_gantry, r.to_gantry, r.freeway, r.direction, g.km, v.status, v.severity, $1::timestamptz - v.age - interval '3 minutes',
            $1::timestamptz - v.age, $1::timestamptz - v.age + interval '3 minutes',
            case when v.status = 'cleared' then $1::timestamptz - v.age + interval '40 minutes' end,
            v.overdue, 600, 180, v.bound, 0, '{}', (select id from hotspots h where h.from_gantry = r.from_gantry and h.status = 'new' and v.status <> 'cleared')
     from road_segments r join gantries g on g.id = r.to_gantry,
          (values ('confirmed', 'severe', interval '35 minutes', 120, 12.0), ('cleared', 'moderate', interval '3 hours', 25, 35.0))
            as v(status, severity, age, overdue, bound)
     where r.from_gantry = $2 and r.to_gantry = $3`,
    [now, gantries[0], gantries[1]],
  );

  // A priced segment and an hour of prices as the pricing job writes them.
  await db.query("insert into priced_segments (from_gantry, to_gantry) values ($1, $2)", [gantries[0], gantries[1]]);
  await db.query(
    `insert into price_log (from_gantry, to_gantry, announced_at, effective_from, permille, speed_kmh, volume, reason)
     select $2, $3, $1::timestamptz - k * interval '5 minutes' - interval '280 seconds', $1::timestamptz - k * interval '5 minutes',
            1000 + 250 * (k % 3), 60 + k, 100, 'below-target'
     from generate_series(1, 12) as k`,
    [now, gantries[0], gantries[1]],
  );

  // A corridor with an active and a proposed plan computed by the real green-wave code.
  const arterial = littleArterial();
  const corridor = await db.one<{ id: number }>(
    `insert into corridors (name, description, cycle_min_s, cycle_max_s, outbound_speed_min_ms, outbound_speed_max_ms, inbound_speed_min_ms, inbound_speed_max_ms)
     values ('Little 1966 arterial', 'ten signals', $1, $2, $3, $4, $5, $6) returning id`,
    [
      arterial.cycleMinS,
      arterial.cycleMaxS,
      arterial.outboundSpeed.minMs,
      arterial.outboundSpeed.maxMs,
      arterial.inboundSpeed.minMs,
      arterial.inboundSpeed.maxMs,
    ],
  );
  const intersectionIds: number[] = [];
  for (const [k, s] of arterial.signals.entries()) {
    const row = await db.one<{ id: number }>("insert into intersections (corridor_id, seq, name, distance_m) values ($1, $2, $3, $4) returning id", [
      corridor.id,
      k + 1,
      s.name,
      s.distanceM,
    ]);
    intersectionIds.push(row.id);
  }
  // The active plan is MAXBAND's (bands both ways); the proposal is the one-way baseline (outbound only).
  const maxband = await new MaxbandSolver(createHighsLoader(), { timeLimitS: 10 }).solve(arterial);
  for (const [version, status, plan] of [
    [1, "active", maxband],
    [2, "proposed", oneWayProgression(arterial, 66)],
  ] as const) {
    const result = { ...plan, timeSpace: timeSpaceRows(plan.cycleS, plan.signals, plan.links) };
    const row = await db.one<{ id: number }>(
      `insert into signal_plans (corridor_id, version, status, method, cycle_s, outbound_band_s, inbound_band_s, efficiency, solver_status, result, created_at, activated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::timestamptz - interval '2 hours' * (3 - $2), case when $3 = 'active' then $11::timestamptz - interval '1 hour' end)
       returning id`,
      [
        corridor.id,
        version,
        status,
        plan.method,
        plan.cycleS,
        plan.outbound.widthS,
        plan.inbound.widthS,
        plan.efficiency,
        plan.solverStatus,
        JSON.stringify(result),
        now,
      ],
    );
    for (const [k, s] of plan.signals.entries()) {
      await db.query("insert into signal_plan_intersections (plan_id, intersection_id, offset_s, splits) values ($1, $2, $3, $4)", [
        row.id,
        intersectionIds[k],
        s.offsetS,
        JSON.stringify([{ phase: "arterial", green_s: s.greenS }]),
      ]);
    }
  }

  // Settlement of the local day the passages fall on, and plate bills with escalations.
  const localDay = (await db.one<{ d: string }>("select to_char(($1::timestamptz at time zone 'Asia/Taipei')::date, 'YYYY-MM-DD') as d", [now])).d;
  const run = await db.one<{ id: number }>(
    "insert into settlement_runs (local_day, status, vehicles, payable_tenths, started_at, finished_at) values ($1, 'done', 3, 9000, $2, $2) returning id",
    [localDay, now],
  );
  for (const [key, cls, payable] of [
    ["E280116060000208AAAA0001", 31, 3280],
    ["E280116060000208AAAA0002", 42, 4100],
    ["plate:ABC-1234", 31, 1620],
  ] as const) {
    const s = await db.one<{ id: number }>(
      `insert into settlements (local_day, vehicle_key, tag_id, plate, vehicle_class, passages, posted_total_tenths, free_tenths, payable_tenths, run_id)
       values ($1, $2, $3, $4, $5, 4, $6 + 240, 240, $6, $7) returning id`,
      [localDay, key, key.startsWith("plate:") ? null : key, key.startsWith("plate:") ? key.slice(6) : null, cls, payable, run.id],
    );
    if (key.startsWith("plate:")) {
      const bill = await db.one<{ id: number }>(
        "insert into plate_bills (plate, local_day, settlement_id, vehicle_class, toll_tenths, fee_tenths, due_date, status) values ($1, $2, $3, $4, $5, 500, ($2::date + 15), 'fee') returning id",
        [key.slice(6), localDay, s.id, cls, payable],
      );
      for (const [kind, ago] of [
        ["created", 3],
        ["notice", 2],
        ["fee", 1],
      ] as const) {
        await db.query("insert into plate_bill_events (bill_id, kind, amount_tenths, at) values ($1, $2, $3, $4::timestamptz - interval '1 hour' * $5)", [
          bill.id,
          kind,
          kind === "fee" ? 500 : 0,
          now,
          ago,
        ]);
      }
    }
  }
}
