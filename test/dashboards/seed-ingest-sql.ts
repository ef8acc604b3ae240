import type { Database } from "../../core/db/database.ts";
import { insertChunked, type SeedScope } from "./seed-sql.ts";

/**
 * The ingest's tables written with SQL, in the shapes the ingest writes them: the fallback where the
 * real ingest cannot run. Passages over the six hours before `now`, their 5-minute counts, batch
 * records, gantry liveness, dead letters and per-minute service statistics.
 */
export async function seedIngestTablesWithSql(db: Database, scope: SeedScope): Promise<void> {
  const { now, gantries } = scope;
  const from = now.getTime() - 6 * 3_600_000;
  const classes = [31, 31, 31, 32, 41, 42, 5];
  const passages: unknown[][] = [];
  let n = 0;
  for (let t = from; t < now.getTime(); t += 20_000) {
    for (const [gi, gantry] of gantries.entries()) {
      n++;
      const cls = classes[n % classes.length]!;
      const plateOnly = n % 9 === 0;
      passages.push([
        new Date(t + gi * 1000),
        gantry,
        plateOnly ? null : `E2801160600002${(n % 100000).toString(16).toUpperCase().padStart(10, "0")}`,
        plateOnly ? `TST-${(n % 9000) + 1000}` : null,
        plateOnly ? 0.9 : null,
        (n % 3) + 1,
        cls,
        cls,
        cls === 5 ? 90 : cls >= 41 ? 75 : 60,
        Math.floor((t - from) / 60_000) + 1,
      ]);
    }
  }
  await insertChunked(db, 
    "passages",
    [
      { name: "ts", type: "timestamptz" },
      { name: "gantry_id", type: "text" },
      { name: "tag_id", type: "text" },
      { name: "plate", type: "text" },
      { name: "plate_confidence", type: "real" },
      { name: "lane", type: "smallint" },
      { name: "read_class", type: "smallint" },
      { name: "vehicle_class", type: "smallint" },
      { name: "posted_price_tenths", type: "integer" },
      { name: "batch_no", type: "bigint" },
    ],
    passages,
  );
  await db.query(
    `insert into vehicle_counts (bucket, gantry_id, direction, vehicle_class, source, volume)
     select to_timestamp(floor(extract(epoch from p.ts) / 300) * 300), p.gantry_id, g.direction, p.vehicle_class, 'ingest', count(*)
     from passages p join gantries g on g.id = p.gantry_id
     group by 1, 2, 3, 4`,
  );
  await db.query(
    `insert into ingest_batches (gantry_id, batch_no, sent_at, received_at, reads, accepted, rejected, antenna_duplicates)
     select gantry_id, batch_no, min(ts), min(ts) + interval '1 second', count(*) + 1, count(*), 1, (batch_no % 3)::int
     from passages group by gantry_id, batch_no`,
  );
  // The last gantry stopped reporting 20 minutes ago.
  await db.query(
    `insert into gantry_status (gantry_id, last_seen_at, last_batch_no, last_read_at)
     select gantry_id, case when gantry_id = $2 then $1::timestamptz - interval '20 minutes' else $1::timestamptz end, max(batch_no), max(ts)
     from passages group by gantry_id`,
    [now, gantries[gantries.length - 1]],
  );
  await db.query(
    `insert into dead_letters (received_at, gantry_id, batch_no, read_index, reason, payload)
     select $1::timestamptz - interval '7 minutes' * i, $2, i, 0, (array['invalid tag', 'unknown class', 'timestamp out of range'])[1 + i % 3],
            jsonb_build_object('lane', 1, 'class', 99)
     from generate_series(1, 30) i`,
    [now, gantries[0]],
  );
  await db.query(
    `insert into ingest_stats (ts, instance, reads, batches, rejected_reads, rejected_batches, duplicates, commit_p50_ms, commit_p99_ms, in_flight)
     select $1::timestamptz - interval '1 minute' * i, 'ingest-1', 9000 + i % 500, 30, i % 7, (i % 50 = 0)::int, i % 4, 3.5 + (i % 5), 12 + (i % 11), i % 5
     from generate_series(0, 359) i`,
    [now],
  );
}
