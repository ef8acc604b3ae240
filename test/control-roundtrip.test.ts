import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { parseCsvRows, readCsvText } from "../core/csv/csv.ts";
import { SegmentNetwork } from "../control/network/segment-network.ts";
import { TdcsExporter } from "../control/tdcs/tdcs-exporter.ts";
import { formatCount, parsePair } from "../control/tdcs/tdcs-format.ts";
import { TravelTimeJob } from "../control/traveltime/travel-time-job.ts";
import { DEFAULT_TRIP_GAP_MS } from "../control/trips/trip-builder.ts";
import { TripsJob } from "../control/trips/trips-job.ts";
import { TrafficData } from "../ingest/simulator/traffic-data.ts";
import { TrafficModel } from "../ingest/simulator/traffic-model.ts";
import { freeway1Km0To60, streamThroughIngest } from "./support/traffic-run.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

setDefaultTimeout(180_000);

/*
 * Round trip on real data: the simulator drives vehicles over freeway 1, km 0-60 (both directions)
 * for two hours of the real M04A day (2024-03-25 07:00-09:00 Taipei), each vehicle's segment times
 * drawn around that interval's M04A travel time. Its reads go through the REAL ingest (TR1 over
 * ZeroMQ, validation, antenna dedup, one transaction per group) into PostgreSQL. The control module
 * then computes M04A/M05A and trips from the stored passages:
 *  - median travel time within 5 % of the source for every (segment, class, interval) with >= 20
 *    vehicles, and for the ones the real file backs, within 5 % of the file's TravelTime;
 *  - the M03A counts the ingest computed equal the generated counts exactly (also as exported);
 *  - one trip per generated trip, counted as the 30-min gap splits them (truth.gapTrips): the real
 *    M04A has slower segments than that (trailers on 01F0061S>01F0099S: 1942 s), and with this seed
 *    one generated trip drives one, so it is two M06A trips.
 * Antenna duplicates are on (10 % of passages read 2-3 times): every one must merge into its passage,
 * across batch boundaries too, or the passage total and counts above would be off.
 */
const TZ = "Asia/Taipei";
const START = Date.parse("2024-03-25T07:00:00+08:00");
const HOURS = 2;
const FIXTURE = join(import.meta.dir, "fixtures", "tdcs", "M04A_20240325_0700_1000_01F_km0-60.csv");

let t: TestDatabase;
let model: TrafficModel;

beforeAll(async () => {
  t = await createTestDatabase();
  const data = TrafficData.load({ gantryIds: freeway1Km0To60() });
  model = new TrafficModel({
    data,
    startMs: START,
    durationMs: HOURS * 3600_000,
    seed: 5,
    vehiclesPerHour: 7000,
    duplicateRate: 0.1,
    tripGapMs: DEFAULT_TRIP_GAP_MS,
  });
  await streamThroughIngest(t.db, model, START);
}, 180_000);
afterAll(async () => {
  await t?.drop();
});

describe("round trip: simulator -> ingest -> control", () => {
  test("computed M04A medians within 5 % of the source for groups of >= 20 vehicles", async () => {
    const net = await SegmentNetwork.load(t.db);
    const job = new TravelTimeJob(t.db, net);
    const rep = await job.computeRange(START, START + HOURS * 3600_000);
    // the ingest stored every generated passage; the job read all of them up to an hour after the period
    const stored = await t.db.one<{ all: number; window: number }>(
      "select count(*)::int as all, (count(*) filter (where ts < $1))::int as window from passages",
      [new Date(START + (HOURS + 1) * 3600_000)],
    );
    expect(stored.all).toBe(model.truth.passages);
    expect(rep.reads).toBe(stored.window);

    const rows = await t.db.query<{ b: Date; f: string; g: string; c: number; tt: number; v: number; kmh: number }>(
      "select bucket as b, from_gantry as f, to_gantry as g, vehicle_class as c, travel_time_s as tt, volume as v, speed_kmh as kmh from segment_stats where source = 'computed'",
    );
    const computed = new Map(rows.map((r) => [`${r.b.getTime()}|${r.f}|${r.g}|${r.c}`, r]));
    const file = new Map(
      parseCsvRows(readCsvText(FIXTURE))
        .map((r, i) => parsePair(r, TZ, i + 1))
        .map((p) => [`${p.bucketMs}|${p.fromGantry}|${p.toGantry}|${p.vehicleClass}`, p]),
    );
    const groups = model.truth.travelTimeGroups(20).filter((g) => g.bucketMs < START + HOURS * 3600_000);
    expect(groups.length).toBeGreaterThan(200);
    let fileBacked = 0;
    const off: string[] = [];
    for (const g of groups) {
      const key = `${g.bucketMs}|${g.fromGantry}|${g.toGantry}|${g.vehicleClass}`;
      const c = computed.get(key);
      if (!c) {
        off.push(`${key}: missing`);
        continue;
      }
      if (Math.abs(c.tt - g.sourceMedianSeconds) > 0.05 * g.sourceMedianSeconds) off.push(`${key}: ${c.tt} vs source ${g.sourceMedianSeconds}`);
      // every generated vehicle is plausible: none may be rejected
      if (c.v !== g.count) off.push(`${key}: volume ${c.v} vs ${g.count}`);
      const f = file.get(key);
      if (f?.value && f.volume > 0 && f.value === g.sourceMedianSeconds) {
        fileBacked++;
        if (Math.abs(c.tt - f.value) > 0.05 * f.value) off.push(`${key}: ${c.tt} vs file ${f.value}`);
      }
    }
    expect(off).toEqual([]);
    expect(fileBacked).toBeGreaterThan(groups.length / 2);
  });

  test("M03A counts from the ingest equal the generated counts exactly, and export as the Bureau's lines", async () => {
    const want = model.truth
      .countRows()
      .map((r) => formatCount(r, TZ))
      .sort();
    const lines: string[] = [];
    const end = Math.max(...model.truth.countRows().map((r) => r.bucketMs)) + 300_000;
    // only the stored rows: the simulated gantries are a part of the network (the network grid would add zero rows for the rest)
    for await (const l of new TdcsExporter(t.db, TZ).lines("M03A", START, end, { zeroRows: "stored" })) lines.push(l);
    expect(lines.sort()).toEqual(want);
  });

  test("trips (M06A): one per generated trip, each an ordered path", async () => {
    const net = await SegmentNetwork.load(t.db);
    const n = await new TripsJob(t.db, net).computeRange(START, START + 6 * 3600_000);
    expect(n).toBe(model.truth.gapTrips);
    // the extra trips are exactly the generated segments slower than the gap
    const slow = model.truth.travelTimes.filter((r) => r.arriveMs - r.departMs > DEFAULT_TRIP_GAP_MS).length;
    expect(model.truth.gapTrips - model.truth.trips).toBe(slow);
    const bad = await t.db.one<{ n: number }>(
      "select count(*)::int as n from trips where source = 'computed' and (end_ts < start_ts or jsonb_array_length(path) < 1 or path->0->>'gantry' <> start_gantry)",
    );
    expect(bad.n).toBe(0);
  });
});
