import type { Queryable } from "../db/database.ts";
import type { PassageToPrice } from "../tariff/daily-toll.ts";
import { EXISTING_COLUMNS, type ExistingSettlement } from "./settle-vehicles.ts";

/** One vehicle's passages of a day, as the settlement prices them. */
export interface DayVehicle {
  /** The vehicle the ingest resolved the reads to (README "Vehicle identity"); before that: tag id, or 'plate:' || plate. */
  key: string;
  tagId: string | null;
  /** The first plate read, if any. */
  plate: string | null;
  /** The account at read time when the ingest knew it, else the tag's current account, else (no tag read) the registered plate's. */
  accountId: number | null;
  passages: PassageToPrice[];
}

interface Row extends Record<string, unknown> {
  vehicle_key: string;
  tag_id: string | null;
  plate: string | null;
  ts_ms: number;
  gantry_id: string;
  vehicle_class: number;
  account_id: number | null;
}

/** The settlement's order of vehicle keys: byte order (collate "C"), the same in SQL and in resume checkpoints. */
export const VEHICLE_KEY = `coalesce(p.vehicle_key, p.tag_id, 'plate:' || p.plate) collate "C"`;

/** a <= b in byte order of UTF-8 (= code point order; UTF-16 code units differ only around surrogates). */
export function keyLe(a: string, b: string): boolean {
  if (!/[\uD800-\uDFFF]/.test(a) && !/[\uD800-\uDFFF]/.test(b)) return a <= b;
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) <= 0;
}

/**
 * Streams the passages of [start, end) grouped by vehicle, in vehicle-key order, after `afterKey`
 * (a resumed run), through a server-side cursor: at most `fetchRows` passages (plus one vehicle's
 * carry-over) are in memory, whatever the day's size. `onVehicles` gets every vehicle of a fetch
 * whose passages are all read, with the day's existing settlements of those keys (a second cursor
 * over the day's settlements in the same key order, merged: no lookup per range). The sorts are
 * PostgreSQL's (spilling to disk for a national day). `tx` must be a transaction: the cursors live in
 * it, and its snapshot is the day the run sees (the run only writes keys after those it has read).
 */
export async function streamDayVehicles(
  tx: Queryable,
  range: { day: string; start: Date; end: Date; afterKey: string | null; fetchRows: number },
  onVehicles: (vehicles: DayVehicle[], passages: number, existing: ExistingSettlement[]) => Promise<void>,
): Promise<void> {
  const fetchRows = Math.max(1, Math.floor(range.fetchRows));
  // The sort and the joins of a national day: more memory for this statement than the default 4 MB.
  await tx.query("set local work_mem = '256MB'");
  await tx.query(
    `declare settle_day no scroll cursor for
     select ${VEHICLE_KEY} as vehicle_key, p.tag_id, p.plate, floor(extract(epoch from p.ts) * 1000)::float8 as ts_ms, p.gantry_id, p.vehicle_class,
            -- A resolved passage names its payer (none: billed by plate, e.g. a hotlisted tag's read).
            case when p.vehicle_key is null then coalesce(p.account_id, t.account_id, v.account_id) else p.account_id end as account_id
       from passages p left join tags t on t.id = p.tag_id
       left join vehicles v on p.tag_id is null and v.plate = p.plate
      where p.ts >= $1 and p.ts < $2 and ($3::text is null or ${VEHICLE_KEY} > $3::text collate "C")
      order by ${VEHICLE_KEY}, p.ts, p.id`,
    [range.start, range.end, range.afterKey],
  );
  await tx.query(
    `declare settle_existing no scroll cursor for
     select ${EXISTING_COLUMNS} from settlements
      where local_day = $1::date and ($2::text is null or vehicle_key collate "C" > $2::text collate "C")
      order by vehicle_key collate "C"`,
    [range.day, range.afterKey],
  );
  let buffered: ExistingSettlement[] = [];
  let exhausted = false;
  /** The existing settlements with keys up to `lastKey`. */
  const existingUpTo = async (lastKey: string): Promise<ExistingSettlement[]> => {
    const out: ExistingSettlement[] = [];
    for (;;) {
      let i = 0;
      while (i < buffered.length && keyLe(buffered[i]!.vehicle_key, lastKey)) i++;
      out.push(...buffered.slice(0, i));
      buffered = buffered.slice(i);
      if (buffered.length > 0 || exhausted) return out;
      buffered = await tx.query<ExistingSettlement>(`fetch ${fetchRows} from settle_existing`);
      exhausted = buffered.length === 0;
    }
  };
  let carry: DayVehicle | undefined;
  for (;;) {
    const rows = await tx.query<Row>(`fetch ${fetchRows} from settle_day`);
    const vehicles: DayVehicle[] = [];
    let passages = 0;
    let current = carry;
    for (const r of rows) {
      const key = r.vehicle_key;
      if (!current || current.key !== key) {
        if (current) {
          vehicles.push(current);
          passages += current.passages.length;
        }
        current = { key, tagId: r.tag_id, plate: r.plate, accountId: r.account_id, passages: [] };
      }
      current.tagId ??= r.tag_id;
      current.plate ??= r.plate;
      current.accountId ??= r.account_id;
      current.passages.push({ ts: new Date(r.ts_ms), gantryId: r.gantry_id, vehicleClass: r.vehicle_class });
    }
    carry = current;
    if (rows.length === 0) {
      if (carry) await onVehicles([carry], carry.passages.length, await existingUpTo(carry.key));
      break;
    }
    if (vehicles.length) await onVehicles(vehicles, passages, await existingUpTo(vehicles[vehicles.length - 1]!.key));
  }
  await tx.query("close settle_day");
  await tx.query("close settle_existing");
}
