import type { Queryable } from "../db/database.ts";
import type { PassageToPrice } from "../tariff/daily-toll.ts";
import { plateKey } from "../vehicle/vehicle-class.ts";

/** One vehicle's passages of a day, as the settlement prices them. */
export interface DayVehicle {
  /** Tag id, or 'plate:' || plate. */
  key: string;
  tagId: string | null;
  /** The first plate read, if any. */
  plate: string | null;
  /** The account at read time when the ingest knew it, else the tag's current account, else (no tag read) the registered plate's. */
  accountId: number | null;
  passages: PassageToPrice[];
}

interface Row extends Record<string, unknown> {
  tag_id: string | null;
  plate: string | null;
  ts_ms: number;
  gantry_id: string;
  vehicle_class: number;
  account_id: number | null;
}

/** The settlement's order of vehicle keys: byte order (collate "C"), the same in SQL and in resume checkpoints. */
export const VEHICLE_KEY = `coalesce(p.tag_id, 'plate:' || p.plate) collate "C"`;

/**
 * Streams the passages of [start, end) grouped by vehicle, in vehicle-key order, after `afterKey`
 * (a resumed run), through a server-side cursor: at most `fetchRows` passages (plus one vehicle's
 * carry-over) are in memory, whatever the day's size. `onVehicles` gets every vehicle of a fetch
 * whose passages are all read; the sort is PostgreSQL's (spilling to disk for a national day).
 * `tx` must be a transaction (the cursor lives in it; its snapshot is the day the run sees).
 */
export async function streamDayVehicles(
  tx: Queryable,
  range: { start: Date; end: Date; afterKey: string | null; fetchRows: number },
  onVehicles: (vehicles: DayVehicle[], passages: number) => Promise<void>,
): Promise<void> {
  // The sort and the joins of a national day: more memory for this statement than the default 4 MB.
  await tx.query("set local work_mem = '256MB'");
  await tx.query(
    `declare settle_day no scroll cursor for
     select p.tag_id, p.plate, floor(extract(epoch from p.ts) * 1000)::float8 as ts_ms, p.gantry_id, p.vehicle_class,
            coalesce(p.account_id, t.account_id, v.account_id) as account_id
       from passages p left join tags t on t.id = p.tag_id
       left join vehicles v on p.tag_id is null and v.plate = p.plate
      where p.ts >= $1 and p.ts < $2 and ($3::text is null or ${VEHICLE_KEY} > $3::text collate "C")
      order by ${VEHICLE_KEY}, p.ts, p.id`,
    [range.start, range.end, range.afterKey],
  );
  let carry: DayVehicle | undefined;
  for (;;) {
    const rows = await tx.query<Row>(`fetch ${Math.max(1, Math.floor(range.fetchRows))} from settle_day`);
    const vehicles: DayVehicle[] = [];
    let passages = 0;
    let current = carry;
    for (const r of rows) {
      const key = r.tag_id ?? plateKey(r.plate!);
      if (!current || current.key !== key) {
        if (current) {
          vehicles.push(current);
          passages += current.passages.length;
        }
        current = { key, tagId: r.tag_id, plate: r.plate, accountId: r.account_id, passages: [] };
      }
      current.plate ??= r.plate;
      current.accountId ??= r.account_id;
      current.passages.push({ ts: new Date(r.ts_ms), gantryId: r.gantry_id, vehicleClass: r.vehicle_class });
    }
    carry = current;
    if (rows.length === 0) {
      if (carry) await onVehicles([carry], carry.passages.length);
      break;
    }
    if (vehicles.length) await onVehicles(vehicles, passages);
  }
  await tx.query("close settle_day");
}
