import type { SegmentNetwork } from "../network/segment-network.ts";
import { classIndex } from "../../core/vehicle/vehicle-class.ts";
import { KeyInterner } from "./key-interner.ts";

/**
 * Passages as columns: time (ms), gantry index, interned vehicle number and class index. Strings are
 * interned once on the way in so matching and trip building run over typed arrays.
 */
export class PassageColumns {
  ts: Float64Array;
  gantry: Int32Array;
  vehicle: Int32Array;
  cls: Int8Array;
  length = 0;
  private readonly interner = new KeyInterner();

  constructor(
    private readonly network: SegmentNetwork,
    capacity = 1024,
  ) {
    this.ts = new Float64Array(capacity);
    this.gantry = new Int32Array(capacity);
    this.vehicle = new Int32Array(capacity);
    this.cls = new Int8Array(capacity);
  }

  get vehicleCount(): number {
    return this.interner.size;
  }

  get vehicleKeys(): readonly string[] {
    return this.interner.keys;
  }

  /** Adds a passage; reads of unknown gantries or classes are kept (they end a chain, never match). */
  push(tsMs: number, gantryId: string, key: string, vehicleClass: number): void {
    if (this.length === this.ts.length) this.grow();
    const v = this.interner.id(key);
    const i = this.length++;
    this.ts[i] = tsMs;
    this.gantry[i] = this.network.gantry(gantryId);
    this.vehicle[i] = v;
    this.cls[i] = classIndex(vehicleClass);
  }

  /** Order of rows by time (stable); identity when already sorted, which is the usual case. */
  timeOrder(): Uint32Array {
    const n = this.length;
    const order = new Uint32Array(n);
    let sorted = true;
    for (let i = 0; i < n; i++) {
      order[i] = i;
      if (i > 0 && this.ts[i]! < this.ts[i - 1]!) sorted = false;
    }
    if (!sorted) {
      const ts = this.ts;
      const arr = Array.from(order);
      arr.sort((a, b) => ts[a]! - ts[b]! || a - b);
      order.set(arr);
    }
    return order;
  }

  private grow(): void {
    const cap = this.ts.length * 2;
    const ts = new Float64Array(cap);
    ts.set(this.ts);
    const gantry = new Int32Array(cap);
    gantry.set(this.gantry);
    const vehicle = new Int32Array(cap);
    vehicle.set(this.vehicle);
    const cls = new Int8Array(cap);
    cls.set(this.cls);
    this.ts = ts;
    this.gantry = gantry;
    this.vehicle = vehicle;
    this.cls = cls;
  }
}
