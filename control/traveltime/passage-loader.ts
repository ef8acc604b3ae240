import type { Queryable } from "../../core/db/database.ts";
import type { SegmentNetwork } from "../network/segment-network.ts";
import { vehicleKey } from "../../core/vehicle/vehicle-class.ts";
import { PassageColumns } from "./passage-columns.ts";

/** Reads passages of [fromMs, toMs) in time order into columns. */
export async function loadPassages(db: Queryable, network: SegmentNetwork, fromMs: number, toMs: number): Promise<PassageColumns> {
  const rows = await db.query<{ t: number; g: string; tag: string | null; plate: string | null; c: number }>(
    `select (extract(epoch from ts) * 1000)::float8 as t, gantry_id as g, tag_id as tag, plate, vehicle_class as c
       from passages where ts >= $1 and ts < $2 order by ts`,
    [new Date(fromMs), new Date(toMs)],
  );
  const cols = new PassageColumns(network, Math.max(16, rows.length));
  for (const r of rows) {
    const key = vehicleKey(r.tag, r.plate);
    if (key) cols.push(r.t, r.g, key, r.c);
  }
  return cols;
}
