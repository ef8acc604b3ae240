import type { Database } from "../../core/db/database.ts";
import type { RegisteredTag } from "./vehicle-identities.ts";

/**
 * Puts a registered tag pool into the back office: one personal account per tag with a vehicle
 * (the pool's plate) and the tag, so simulated passages find an account and a registered class.
 * Idempotent: tags already present are skipped, so a restarted simulator can call it again.
 */
export async function provisionRegisteredTags(
  db: Database,
  pool: readonly RegisteredTag[],
  opts: { balanceTenths?: number; chunk?: number } = {},
): Promise<{ inserted: number; existing: number }> {
  const chunk = opts.chunk ?? 5000;
  const balance = opts.balanceTenths ?? 100_000;
  let inserted = 0;
  let existing = 0;
  for (let i = 0; i < pool.length; i += chunk) {
    const part = pool.slice(i, i + chunk);
    await db.tx(async (tx) => {
      const present = new Set((await tx.query<{ id: string }>("select id from tags where id = any($1::text[])", [part.map((t) => t.tag)])).map((r) => r.id));
      const fresh = part.filter((t) => !present.has(t.tag));
      existing += part.length - fresh.length;
      if (fresh.length === 0) return;
      const accounts = await tx.query<{ id: number; name: string }>(
        `insert into accounts (name, balance_tenths) select n, $2::bigint from unnest($1::text[]) as n returning id, name`,
        [fresh.map((t) => `Simulated ${t.tag}`), balance],
      );
      const accountOf = new Map(accounts.map((a) => [a.name.slice("Simulated ".length), a.id]));
      const vehicles = await tx.query<{ id: number; plate: string }>(
        `insert into vehicles (account_id, plate, vehicle_class)
         select * from unnest($1::bigint[], $2::text[], $3::smallint[])
         on conflict (plate) do nothing returning id, plate`,
        [fresh.map((t) => accountOf.get(t.tag)), fresh.map((t) => t.plate), fresh.map((t) => t.vehicleClass)],
      );
      const vehicleOf = new Map(vehicles.map((v) => [v.plate, v.id]));
      await tx.query(
        `insert into tags (id, account_id, vehicle_id, vehicle_class)
         select * from unnest($1::text[], $2::bigint[], $3::bigint[], $4::smallint[])`,
        [fresh.map((t) => t.tag), fresh.map((t) => accountOf.get(t.tag)), fresh.map((t) => vehicleOf.get(t.plate) ?? null), fresh.map((t) => t.vehicleClass)],
      );
      inserted += fresh.length;
    });
  }
  return { inserted, existing };
}
