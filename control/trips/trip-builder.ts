import type { SegmentNetwork } from "../network/segment-network.ts";
import type { PassageColumns } from "../traveltime/passage-columns.ts";
import { VEHICLE_CLASSES } from "../../core/vehicle/vehicle-class.ts";

/**
 * Trips (TDCS M06A): per vehicle (tag, or plate for plate-only vehicles) the ordered gantry path with
 * times. A trip ends when the vehicle is not read for more than gapMs (default 30 minutes: longer
 * than almost every segment travel time, shorter than a typical stop between two journeys; a rest
 * at a service area longer than that, or a rare crawl such as the 1 942 s M04A median on
 * 01F0061S -> 01F0099S, splits the journey). A trip whose last read is less than gapMs
 * before `now` may still continue: tripEnd false, like M06A's "N".
 * Length: the sum of |km difference| between consecutive gantries of the same freeway and
 * direction (a change of freeway adds nothing, its interchange distance is unknown).
 */
export interface Trip {
  vehicleKey: string;
  vehicleClass: number;
  startMs: number;
  endMs: number;
  startGantry: string;
  endGantry: string;
  lengthKm: number;
  tripEnd: boolean;
  path: { ts: string; gantry: string }[];
}

export const DEFAULT_TRIP_GAP_MS = 30 * 60_000;

export function buildTrips(cols: PassageColumns, network: SegmentNetwork, nowMs: number, gapMs = DEFAULT_TRIP_GAP_MS): Trip[] {
  const order = cols.timeOrder();
  const nv = cols.vehicleCount;
  // counting sort by vehicle keeps each vehicle's reads in time order
  const start = new Int32Array(nv + 1);
  for (let k = 0; k < cols.length; k++) start[cols.vehicle[k]! + 1]!++;
  for (let v = 0; v < nv; v++) start[v + 1]! += start[v]!;
  const fill = start.slice(0, nv);
  const byVehicle = new Uint32Array(cols.length);
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    byVehicle[fill[cols.vehicle[i]!]!++] = i;
  }
  const trips: Trip[] = [];
  const ids = network.gantryIds;
  for (let v = 0; v < nv; v++) {
    let current: number[] = [];
    const flush = () => {
      if (current.length === 0) return;
      const first = current[0]!;
      const last = current[current.length - 1]!;
      let length = 0;
      let cls = -1;
      for (let j = 0; j < current.length; j++) {
        const i = current[j]!;
        if (cls < 0 && cols.cls[i]! >= 0) cls = cols.cls[i]!;
        if (j > 0) {
          const a = ids[cols.gantry[current[j - 1]!]!]!;
          const b = ids[cols.gantry[i]!]!;
          if (a.slice(0, 3) === b.slice(0, 3) && a.at(-1) === b.at(-1)) {
            length += Math.abs(network.gantryKm[cols.gantry[i]!]! - network.gantryKm[cols.gantry[current[j - 1]!]!]!);
          }
        }
      }
      trips.push({
        vehicleKey: cols.vehicleKeys[v]!,
        vehicleClass: VEHICLE_CLASSES[Math.max(0, cls)]!,
        startMs: cols.ts[first]!,
        endMs: cols.ts[last]!,
        startGantry: ids[cols.gantry[first]!]!,
        endGantry: ids[cols.gantry[last]!]!,
        lengthKm: Math.round(length * 10) / 10,
        tripEnd: nowMs - cols.ts[last]! > gapMs,
        path: current.map((i) => ({ ts: new Date(cols.ts[i]!).toISOString(), gantry: ids[cols.gantry[i]!]! })),
      });
      current = [];
    };
    for (let k = start[v]!; k < start[v + 1]!; k++) {
      const i = byVehicle[k]!;
      if (cols.gantry[i]! < 0) continue;
      if (current.length > 0 && cols.ts[i]! - cols.ts[current[current.length - 1]!]! > gapMs) flush();
      current.push(i);
    }
    flush();
  }
  return trips;
}
