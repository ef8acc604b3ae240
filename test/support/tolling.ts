import type { Queryable } from "../../core/db/database.ts";
import { loadTollZones } from "../../core/seed/network-data.ts";
import { DEFAULT_TARIFF } from "../../core/seed/seeder.ts";
import type { SettlementRunView } from "../../core/settlement/settlement-queries.ts";
import type { Role } from "../../gateway/http/roles.ts";
import type { TestGateway } from "./gateway.ts";

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

/**
 * Settles a day through the API as an operator does: POST /v1/settlements/run answers 202 with the
 * run's id at once; the run is then followed at its Location until it is no longer 'running'.
 * Returns the run as GET /v1/settlement-runs/{id} shows it.
 */
export async function settleThroughApi(gw: TestGateway, day: string, role: Role = "admin", timeoutMs = 60_000): Promise<SettlementRunView> {
  const res = await gw.request("/v1/settlements/run", { method: "POST", role, json: { day } });
  if (res.status !== 202) throw new Error(`POST /v1/settlements/run answered ${res.status}: ${await res.text()}`);
  const { runId } = (await res.json()) as { runId: number };
  const location = res.headers.get("location");
  if (location !== `/v1/settlement-runs/${runId}`) throw new Error(`unexpected Location ${location}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = (await (await gw.request(location, { role: "admin" })).json()) as SettlementRunView;
    if (run.status !== "running") return run;
    if (Date.now() > deadline) throw new Error(`settlement run ${runId} still running after ${timeoutMs} ms`);
    await Bun.sleep(10);
  }
}
