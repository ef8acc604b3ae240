import type { SimCliOptions } from "./cli-options.ts";
import { incidentsAt } from "./cli-options.ts";
import { TrafficData } from "./traffic-data.ts";
import { TrafficModel } from "./traffic-model.ts";
import { registeredTagPool, type RegisteredTag } from "./vehicle-identities.ts";

/**
 * The traffic of `bun run sim` for its flags, in one place: the simulator builds it from its
 * command line, and a test that runs `bun run sim` as a process builds the very same model (it is
 * deterministic) to get the ground truth of what the process sent.
 */
export function trafficDataFor(o: SimCliOptions): TrafficData {
  return TrafficData.load({
    ...(o.freeways ? { freeways: o.freeways } : {}),
    ...(o.gantries ? { gantryIds: o.gantries } : {}),
    // The network of the simulated date.
    atMs: o.startMs ?? Date.now(),
  });
}

/** The registered tags the simulator provisions and drives (accounts, vehicles, tags). */
export function registeredPoolFor(o: SimCliOptions, data: TrafficData): RegisteredTag[] {
  return registeredTagPool(o.registeredTags, o.seed, data.dailyClassShare());
}

/** The model: trips start `warmupMs` before `startMs` (the simulator drops reads before startMs). */
export function trafficModelFor(
  o: SimCliOptions,
  data: TrafficData,
  startMs: number,
  opts: { collectTravelTimes?: boolean; announcedPermille?: (segment: string, tMs: number) => number } = {},
): TrafficModel {
  return new TrafficModel({
    data,
    startMs: startMs - o.warmupMs,
    durationMs: (o.durationMs ?? Infinity) + o.warmupMs,
    seed: o.seed,
    vehiclesPerHour: o.vehiclesPerHour,
    tagShare: o.tagShare,
    registeredTags: registeredPoolFor(o, data),
    duplicateRate: o.duplicateRate,
    malformedRate: o.malformedRate,
    incidents: incidentsAt(startMs, o.incidents),
    // A live run can last for days: by default keep the counts only, not every travel time.
    collectTravelTimes: opts.collectTravelTimes ?? false,
    drain: true,
    capacities: o.capacities,
    ...(o.demandResponse && opts.announcedPermille
      ? { demandResponse: { elasticity: o.demandResponse.elasticity, announcedPermille: opts.announcedPermille } }
      : {}),
  });
}
