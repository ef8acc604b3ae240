/**
 * What the price controller judges a priced segment by: the space-mean speed and the volume of the
 * vehicles that LEFT the segment (read at its downstream gantry) in the interval that just closed,
 * each matched to its latest read at the upstream gantry. By exit, not by entry: when the interval
 * closes, vehicles that entered it and are still queued have no exit yet, so an entry-based figure
 * would leave out exactly the slowest vehicles. The pricing job (from the passages) and the corridor
 * evaluation (from the simulator's reads) both use this.
 */
export interface ExitRead {
  vehicle: string;
  exitMs: number;
}

export interface MeasuredSpeed {
  /** Total distance / total time (the harmonic mean of the vehicles' speeds); null without vehicles. */
  speedKmh: number | null;
  volume: number;
}

/** Traversals slower or faster than this are mismatches (a vehicle that left and came back), not traffic. */
export const MIN_PLAUSIBLE_KMH = 5;
export const MAX_PLAUSIBLE_KMH = 180;

/**
 * `entries`: per vehicle, its upstream read times in ascending order. Every exit is matched to the
 * vehicle's latest upstream read before it; implausible traversals are left out.
 */
export function measureExits(entries: ReadonlyMap<string, readonly number[]>, exits: Iterable<ExitRead>, lengthKm: number): MeasuredSpeed {
  const maxMs = (lengthKm / MIN_PLAUSIBLE_KMH) * 3_600_000;
  const minMs = (lengthKm / MAX_PLAUSIBLE_KMH) * 3_600_000;
  let volume = 0;
  let totalMs = 0;
  for (const x of exits) {
    const times = entries.get(x.vehicle);
    if (!times) continue;
    // The latest entry before the exit (binary search).
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid]! < x.exitMs) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) continue;
    const travel = x.exitMs - times[lo - 1]!;
    if (travel < minMs || travel > maxMs) continue;
    volume++;
    totalMs += travel;
  }
  return { speedKmh: volume ? (volume * lengthKm * 3_600_000) / totalMs : null, volume };
}

/** The upstream window an interval's exits need: the slowest plausible traversal before it. */
export function entryLookbackMs(lengthKm: number): number {
  return Math.ceil((lengthKm / MIN_PLAUSIBLE_KMH) * 3_600_000);
}
