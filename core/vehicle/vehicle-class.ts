/**
 * The vehicle vocabulary every component shares: TDCS vehicle classes and the key a vehicle is
 * followed by. Defined here only; gateway schemas, the TR1 protocol, the simulator, the tariff
 * admin and control import it. (The SQL check constraints in sql/002 and sql/003 repeat the list:
 * applied migrations are history.)
 */

/** TDCS vehicle types in a fixed order, so per-class data fits dense arrays. */
export const VEHICLE_CLASSES = [31, 32, 41, 42, 5] as const;
export type VehicleClass = (typeof VEHICLE_CLASSES)[number];
export const CLASS_COUNT = VEHICLE_CLASSES.length;
export const VEHICLE_CLASS_NAMES: Readonly<Record<VehicleClass, string>> = { 31: "car", 32: "light truck", 41: "bus", 42: "heavy truck", 5: "trailer" };
export const VEHICLE_CLASS_DESCRIPTION = `TDCS vehicle class: ${VEHICLE_CLASSES.map((c) => `${c} ${VEHICLE_CLASS_NAMES[c]}`).join(", ")}`;

// Filled once here and only read afterwards: a constant lookup table, not state.
const INDEX = new Int8Array(64).fill(-1);
for (const [i, c] of VEHICLE_CLASSES.entries()) INDEX[c] = i;

/** Dense index of a TDCS vehicle type, or -1 for an unknown one. */
export function classIndex(vehicleClass: number): number {
  // A typed array answers undefined for a negative, fractional, NaN or too large index.
  return INDEX[vehicleClass] ?? -1;
}

export function isVehicleClass(v: unknown): v is VehicleClass {
  return typeof v === "number" && classIndex(v) >= 0;
}

/** The key of a vehicle known only by its plate. */
export function plateKey(plate: string): string {
  return `plate:${plate}`;
}

/** The key of a registered vehicle (vehicles.id): what its tag reads and plate reads both resolve to. */
export function registeredVehicleKey(vehicleId: number): string {
  return `vehicle:${vehicleId}`;
}

/** The key a vehicle is followed by: its tag, or its plate when it has none (M06A does the same). */
export function vehicleKey(tagId: string | null, plate: string | null): string | null {
  if (tagId) return tagId;
  if (plate) return plateKey(plate);
  return null;
}
