/** TDCS vehicle types in a fixed order, so per-class data fits dense arrays. */
export const VEHICLE_CLASSES = [31, 32, 41, 42, 5] as const;
export type VehicleClass = (typeof VEHICLE_CLASSES)[number];
export const CLASS_COUNT = VEHICLE_CLASSES.length;

const INDEX = new Int8Array(64).fill(-1);
VEHICLE_CLASSES.forEach((c, i) => (INDEX[c] = i));

/** Dense index of a TDCS vehicle type, or -1 for an unknown one. */
export function classIndex(vehicleClass: number): number {
  return vehicleClass >= 0 && vehicleClass < 64 ? INDEX[vehicleClass]! : -1;
}

export function isVehicleClass(v: number): v is VehicleClass {
  return classIndex(v) >= 0;
}

/** The key a vehicle is followed by: its tag, or its plate when it has none (M06A does the same). */
export function vehicleKey(tagId: string | null, plate: string | null): string | null {
  if (tagId) return tagId;
  if (plate) return `plate:${plate}`;
  return null;
}
