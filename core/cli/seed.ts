import { Seeder } from "../seed/seeder.ts";
import { runMain } from "./main.ts";

await runMain("seed", async ({ logger, openDatabase }) => {
  const db = openDatabase();
  try {
    const r = await new Seeder(db, logger).run();
    console.log(
      `seed: ${r.gantries} gantries, ${r.tollZones} toll zones, ${r.segments} road segments, default tariff ${r.tariffCreated ? "created" : "present"} (${r.tariffZones} zones)`,
    );
  } finally {
    await db.close();
  }
});
