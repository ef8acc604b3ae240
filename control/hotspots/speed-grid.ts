import type { SegmentNetwork } from "../network/segment-network.ts";
import { CLASS_COUNT, classIndex } from "../../core/vehicle/vehicle-class.ts";

/**
 * Segment speeds and volumes over a run of 5-minute intervals, per class, in flat typed arrays:
 * cell (segment s, interval t, class c) is at (s * intervals + t) * CLASS_COUNT + c. A speed of 0
 * (or NaN) means no data, as in the M05A files.
 */
export class SpeedGrid {
  readonly speed: Float32Array;
  readonly volume: Float32Array;

  constructor(
    readonly network: SegmentNetwork,
    readonly startMs: number,
    readonly intervals: number,
  ) {
    const n = network.segmentCount * intervals * CLASS_COUNT;
    this.speed = new Float32Array(n);
    this.volume = new Float32Array(n);
  }

  set(segment: number, interval: number, vehicleClass: number, speedKmh: number, volume: number): void {
    const c = classIndex(vehicleClass);
    if (segment < 0 || c < 0 || interval < 0 || interval >= this.intervals) return;
    const i = (segment * this.intervals + interval) * CLASS_COUNT + c;
    this.speed[i] = speedKmh;
    this.volume[i] = volume;
  }

  /**
   * All classes together: volume = sum, speed = volume-weighted harmonic mean (total vehicles over
   * total time per km), which is the space-mean speed of the combined traffic. NaN speed: no data.
   */
  combine(): { speed: Float64Array; volume: Float64Array } {
    const cells = this.network.segmentCount * this.intervals;
    const speed = new Float64Array(cells);
    const volume = new Float64Array(cells);
    for (let k = 0; k < cells; k++) {
      let vol = 0;
      let pace = 0;
      let unweighted = 0;
      let unweightedN = 0;
      const base = k * CLASS_COUNT;
      for (let c = 0; c < CLASS_COUNT; c++) {
        const v = this.speed[base + c]!;
        if (!(v > 0)) continue;
        const q = this.volume[base + c]!;
        if (q > 0) {
          vol += q;
          pace += q / v;
        } else {
          unweighted += 1 / v;
          unweightedN++;
        }
      }
      volume[k] = vol;
      speed[k] = vol > 0 ? vol / pace : unweightedN > 0 ? unweightedN / unweighted : Number.NaN;
    }
    return { speed, volume };
  }
}
