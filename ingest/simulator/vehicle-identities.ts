import { TollwayError } from "../../core/errors/tollway-error.ts";
import { VEHICLE_CLASSES, type VehicleClass } from "../../core/vehicle/vehicle-class.ts";
import { cumulativeOf, hashString, Prng } from "./prng.ts";

/** Who the simulated vehicles are: tags registered in the back office, and plates. */

export interface RegisteredTag {
  tag: string;
  plate: string;
  vehicleClass: VehicleClass;
}

/** Tags the back office knows, deterministic from the seed, split over classes by the data's mix. */
export function registeredTagPool(size: number, seed: number | string = 1, classShare: readonly number[] = [0.63, 0.22, 0.02, 0.065, 0.065]): RegisteredTag[] {
  if (size > POOL_PLATES) throw new TollwayError("bad_request", `a tag pool holds at most ${POOL_PLATES} tags`);
  const rng = new Prng(`pool:${seed}`);
  const cum = cumulativeOf(classShare);
  const h = hashString(`pool:${seed}`);
  const out: RegisteredTag[] = [];
  for (let i = 0; i < size; i++) {
    out.push({ tag: `E2801170${hex8(h)}${hex8(i)}`, plate: plateOf((h + i) % POOL_PLATES), vehicleClass: VEHICLE_CLASSES[rng.pickCumulative(cum)]! });
  }
  return out;
}

/** Eight uppercase hex digits, as tag ids are built from. */
export const hex8 = (n: number) => (n >>> 0).toString(16).toUpperCase().padStart(8, "0");

const LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ";
const PLATE_SPACE = 24 ** 3 * 10_000;

/** Plate numbers below this belong to registered pools; trips without a tag use the rest. */
const POOL_PLATES = 60_000_000;

/** "ABC-1234": a scrambled bijection of n in [0, 138 240 000), so distinct n give distinct plates. */
export function plateOf(n: number): string {
  // The multiplier is coprime to the plate space (2^13 x 3^3 x 5^4).
  const x = Number((BigInt(n % PLATE_SPACE) * 2654435761n) % BigInt(PLATE_SPACE));
  const digits = x % 10_000;
  let l = Math.floor(x / 10_000);
  let letters = "";
  for (let i = 0; i < 3; i++) {
    letters = LETTERS[l % 24]! + letters;
    l = Math.floor(l / 24);
  }
  return `${letters}-${String(digits).padStart(4, "0")}`;
}

/** The plate of the n-th vehicle outside every registered pool (trips without a tag). */
export function unregisteredPlate(n: number): string {
  return plateOf(POOL_PLATES + (n % (PLATE_SPACE - POOL_PLATES)));
}
