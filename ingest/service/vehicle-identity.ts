import { plateKey, registeredVehicleKey } from "../../core/vehicle/vehicle-class.ts";
import type { HotlistStatus, Vehicle } from "./reference-data.ts";

/**
 * Which vehicle a read is, before antenna-duplicate removal and pricing (core/settlement/README.md,
 * "Vehicle identity"). The key is stored on the passage (passages.vehicle_key) and is what duplicate
 * removal and daily settlement group by, so a car read by tag at one gantry and by plate only at the
 * next is one vehicle that day:
 *
 * - a registered tag: its vehicle (`vehicle:<id>`), or the tag itself when it is on no vehicle;
 * - else a registered plate: its vehicle (an unregistered tag read with it too);
 * - else the plate read (`plate:<plate>`): an unregistered tag read with a plate is billed by plate;
 * - else the tag alone (unregistered, no plate: nobody to charge).
 *
 * Conflict: a registered tag read with a plate registered to another vehicle (not the tag's own; for
 * a tag on no vehicle, a vehicle of another account). The tag decides (an ANPR misread is far likelier
 * than a tag moved between cars) and the passage is marked `identity_conflict` for review.
 *
 * Hotlist: a tag that is blocked, lost or stolen is not charged to its account. Its read goes by the
 * plate: the vehicle of that plate when it is registered to another account, else a plate bill
 * (`plate:<plate>`, also for the owner's own plate: a bill can be disputed, an account debit is just
 * taken); with no plate it is unbillable (the tag, no account). `hotlist` raises a hit.
 */
export interface ResolvedVehicle {
  key: string;
  /** Whose account pays: the tag's, else the registered plate's; null: billed by plate, or nobody. */
  accountId: number | null;
  /** The class that prices the read: the registered one when known, else what the reader saw. */
  vehicleClass: number;
  conflict: boolean;
  /** The tag's hotlist status when it is blocked, lost or stolen: the read raises a hotlist hit. */
  hotlist: HotlistStatus | null;
}

export interface VehicleLookup {
  byTag(tag: string): Vehicle | null;
  byPlate(plate: string): Vehicle | null;
}

export function resolveVehicle(vehicles: VehicleLookup, tag: string | null, plate: string | null, readClass: number): ResolvedVehicle {
  const t = tag !== null ? vehicles.byTag(tag) : null;
  const p = plate !== null ? vehicles.byPlate(plate) : null;
  if (t !== null && t.hotlist !== null) {
    const hotlist = t.hotlist;
    if (p !== null && p.accountId !== t.accountId)
      return { key: registeredVehicleKey(p.vehicleId!), accountId: p.accountId, vehicleClass: p.vehicleClass, conflict: false, hotlist };
    if (plate !== null) return { key: plateKey(plate), accountId: null, vehicleClass: p?.vehicleClass ?? readClass, conflict: false, hotlist };
    return { key: tag!, accountId: null, vehicleClass: readClass, conflict: false, hotlist };
  }
  if (t !== null) {
    if (t.vehicleId !== null) {
      const conflict = p !== null && p.vehicleId !== t.vehicleId;
      return { key: registeredVehicleKey(t.vehicleId), accountId: t.accountId, vehicleClass: t.vehicleClass, conflict, hotlist: null };
    }
    // A tag on no vehicle, read with a plate of its own account: that car.
    if (p !== null && p.accountId === t.accountId)
      return { key: registeredVehicleKey(p.vehicleId!), accountId: t.accountId, vehicleClass: t.vehicleClass, conflict: false, hotlist: null };
    return { key: tag!, accountId: t.accountId, vehicleClass: t.vehicleClass, conflict: p !== null, hotlist: null };
  }
  if (p !== null) return { key: registeredVehicleKey(p.vehicleId!), accountId: p.accountId, vehicleClass: p.vehicleClass, conflict: false, hotlist: null };
  if (plate !== null) return { key: plateKey(plate), accountId: null, vehicleClass: readClass, conflict: false, hotlist: null };
  return { key: tag!, accountId: null, vehicleClass: readClass, conflict: false, hotlist: null };
}
