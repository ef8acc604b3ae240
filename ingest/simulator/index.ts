/**
 * Gantry simulator: a deterministic traffic model of the real Taiwan freeway network, and (main.ts,
 * `bun run sim`) the program that streams its reads to the ingest over TR1.
 *
 * THE MODEL IS PURE: no sockets, no clock, no Math.random. Same options + same seed = same reads.
 *
 *   import { TrafficData, generateReads, registeredTagPool } from "../ingest/simulator/index.ts";
 *
 *   const data = TrafficData.load();                  // network + real M04A/M05A days (~1-2 s; load once per file)
 *   // or TrafficData.load({ freeways: ["01F"] }) / ({ gantryIds: [...] }) for a subset of the network
 *   const pool = registeredTagPool(5000, 1, data.dailyClassShare());
 *   await provisionRegisteredTags(db, pool);         // optional: accounts + vehicles + tags in the DB
 *   const { reads, truth } = generateReads({
 *     data,
 *     startMs: Date.parse("2024-03-25T07:00:00+08:00"), // the data's local day is Asia/Taipei
 *     durationMs: 3 * 3600_000,                        // trips START in [start, start + duration)
 *     seed: 42,
 *     vehiclesPerHour: 20_000,                         // trip starts/h on the selected network (day mean)
 *     registeredTags: pool,
 *     malformedRate: 0.01,                             // expected share of junk reads among all reads
 *     incidents: [{ segment: "01F0264S>01F0293S", startMs, endMs, speedKmh: 30 }],
 *   });
 *   for (const { gantryId, read, tsMs, kind } of reads) ...  // simulated-time order, all gantries
 *
 * Each item is a SimulatedRead: `gantryId`, `read` (the TR1 body object: tag | plate(+conf), ts ISO
 * with ms, lane, class), `tsMs`, `kind` ("passage" = first read of a vehicle at a gantry,
 * "duplicate" = extra antenna read 150-3000 ms later, "malformed" with `malformed` = bad_tag |
 * bad_class | no_id | bad_ts). With `drain` (default true) the reads of trips under way at the end
 * are still emitted, so every generated trip is complete.
 *
 * GROUND TRUTH (`truth`, a GroundTruth; it fills as reads are taken, complete when exhausted):
 *   truth.countRows()          M03A: [{ bucketMs, gantryId, direction, vehicleClass, volume }] = passages
 *                              (duplicates and malformed reads excluded) per 5-min bucket of the read ts.
 *   truth.travelTimes          per vehicle and segment: { vehicle (tag or plate), vehicleClass, fromGantry,
 *                              toGantry, departMs, arriveMs, seconds (= exact ts difference), medianSeconds,
 *                              source: "m04a" | "m05a" | "default" | "incident" | "queue" | "bottleneck" | "held" }.
 *   truth.travelTimeGroups(n)  M04A: per (segment, class, 5-min bucket of the departure read) with >= n
 *                              vehicles: count, generated median, source median.
 *   truth.passages / duplicates / malformed[kind] / trips / tripsByClass / taggedPassages / registeredPassages.
 *   truth.gapTrips             trips as a builder ending a trip after tripGapMs (30 min) without a read
 *                              counts them: one more per generated segment slower than that.
 *
 * HOW TRAVEL TIMES ARE MADE (speeds: "data", the default; "free-flow" uses the default class speed
 * everywhere, so an incident is the only bottleneck): a vehicle leaving gantry A at time t takes median(segment, 5-min slot of t
 * in Taipei time, class) x exp(sigma z), sigma = travelTimeSpread (0.08). The median is the real M04A
 * TravelTime where that row has volume > 0 and a plausible speed (5-150 km/h), else length / M05A speed,
 * else length / a default class speed. The z values of a (segment, bucket, class) are 0, z1, -z1, z2, ...
 * so a group's generated median sits on the source median (measured: within 2.5 % for groups >= 20).
 *
 * INCIDENTS: vehicles entering the incident segment during [startMs, endMs) drive `speedKmh` (30);
 * the j-th segment upstream (j <= upstreamSegments, 3) drives `upstreamSpeedKmh` (45) from
 * startMs + j x spillMinutesPerSegment (2) until endMs; downstream keeps the data's speeds. PeMS
 * therefore sees the bottleneck at the incident segment (slow there, free flow on the next one).
 * Vehicles already on a segment when it slows are held (source "held"): on the incident segment
 * those short of the blocked point `atFraction` (0.5) along it, on a queue segment all; they drive
 * the rest at the slowed speed from then on (arrival = max(planned, then + rest / speed)).
 *
 * BOTTLENECKS (capacities: [{ segment, vehiclesPerHour }]): a point queue at the segment's downstream
 * end; the wait adds to the vehicle's time there and delays the rest of its trip (source "bottleneck").
 * DEMAND RESPONSE (demandResponse: { announcedPermille(segment, tMs), elasticity -0.4, shiftShare 0.3,
 * shiftMinutes [15, 45] }): at the trip start a priced section (segments above 1000 per-mille) is kept
 * with probability (m/1000)^elasticity, else the trip shifts once (decides again later) or diverts (ends
 * before it); truth.diverted, truth.shifted. Prices are asked only after every read up to then was taken.
 *
 * Vehicles: trip starts are a Poisson process scaled by the data's volume per 5-min slot
 * (followDemandShape); class drawn from that slot's class mix; the first segment drawn by the
 * segments' daily volume; trip length geometric (meanSegmentsPerTrip, 5) along one freeway
 * direction. tagShare (0.94) of vehicles carry a tag: a registered pool tag of their class when one
 * is free (not used within tagCooldownMs, 1 h, of its last trip), else a fresh unregistered tag;
 * the rest are plate-only ("ABC-1234", with conf). Tags are 24 uppercase hex chars.
 *
 * OVER THE NETWORK (what `bun run sim` does; see README.md):
 *   const sim = new Simulator({ endpoint, reads: model.reads(), simStartMs, acceleration: Infinity,
 *     outbox: new Outbox(dir, { fsync: false }) });   // durable: unacked batches resent after a restart
 *   const summary = await sim.run();                  // sim.stop() to end early (flush, bounded drain)
 */
export { TrafficData, SLOT_MS, segmentKey, type Chain, type TravelTimeSource } from "./traffic-data.ts";
export { VEHICLE_CLASSES, classIndex, type VehicleClass } from "../../core/vehicle/vehicle-class.ts";
export {
  TrafficModel,
  generateReads,
  type TrafficModelOptions,
  type IncidentSpec,
  type CapacitySpec,
  type DemandResponseSpec,
} from "./traffic-model.ts";
export { GroundTruth, median, type CountRow, type TravelTimeRecord, type TravelTimeGroup } from "./ground-truth.ts";
export { MALFORMED_KINDS, type SimulatedRead, type WireRead, type MalformedKind } from "./simulated-read.ts";
export { registeredTagPool, plateOf, type RegisteredTag } from "./vehicle-identities.ts";
export { Prng } from "./prng.ts";
export { provisionRegisteredTags } from "./provision.ts";
export { Simulator, type SimulatorOptions, type SimulatorSummary } from "./simulator.ts";
export { Outbox, GantryOutbox, type OutboxEntry, type OutboxOptions } from "./outbox.ts";
