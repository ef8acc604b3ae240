import type { Queryable } from "../../core/db/database.ts";
import { loadTollZones } from "../../core/seed/network-data.ts";
import { DEFAULT_TARIFF } from "../../core/seed/seeder.ts";

/** Fixtures for the tolling integration tests: accounts, tags and passages written straight to the tables. */

/** The official example: the 62 southbound toll zones from Keelung end (01F0005S) to Tainan/Rende (01F3252S). */
export function keelungToRende(): string[] {
  return loadTollZones()
    .filter((z) => z.gantryId.startsWith("01F") && z.direction === "S" && z.gantryId >= "01F0005S" && z.gantryId <= "01F3252S")
    .map((z) => z.gantryId)
    .sort();
}

/** The seeded rates of every vehicle class, as POST /v1/tariffs takes them (an active tariff rates every class). */
export function allClassRates(): { vehicleClass: number; rateTenthsPerKm: number }[] {
  return Object.entries(DEFAULT_TARIFF.ratesTenthsPerKm).map(([c, r]) => ({ vehicleClass: Number(c), rateTenthsPerKm: r }));
}

export async function createAccount(q: Queryable, balanceTenths: number, thresholdTenths = 1000): Promise<number> {
  const r = await q.one<{ id: number }>("insert into accounts (name, balance_tenths, low_balance_threshold_tenths) values ('test', $1, $2) returning id", [
    balanceTenths,
    thresholdTenths,
  ]);
  return r.id;
}

export async function createTag(q: Queryable, accountId: number, tagId: string, vehicleClass = 31): Promise<string> {
  await q.query("insert into tags (id, account_id, vehicle_class) values ($1, $2, $3)", [tagId, accountId, vehicleClass]);
  return tagId;
}

export interface PassageFixture {
  ts: Date | string;
  gantryId: string;
  tagId?: string | null;
  plate?: string | null;
  vehicleClass?: number;
  accountId?: number | null;
}

export async function insertPassages(q: Queryable, list: readonly PassageFixture[]): Promise<void> {
  await q.query(
    `insert into passages (ts, gantry_id, tag_id, plate, read_class, vehicle_class, account_id, batch_no)
     select ts, g, t, p, c, c, a, 1 from unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::smallint[], $6::bigint[]) as u(ts, g, t, p, c, a)`,
    [
      list.map((p) => new Date(p.ts)),
      list.map((p) => p.gantryId),
      list.map((p) => p.tagId ?? null),
      list.map((p) => p.plate ?? null),
      list.map((p) => p.vehicleClass ?? 31),
      list.map((p) => p.accountId ?? null),
    ],
  );
}

/** A trip: one passage per gantry, a minute apart, starting at `start`. */
export function trip(start: string, gantries: readonly string[], v: Omit<PassageFixture, "ts" | "gantryId">): PassageFixture[] {
  const t0 = Date.parse(start);
  return gantries.map((g, i) => ({ ...v, gantryId: g, ts: new Date(t0 + i * 60_000) }));
}
