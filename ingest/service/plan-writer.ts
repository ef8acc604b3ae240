import type { Queryable } from "../../core/db/database.ts";
import { TollwayError } from "../../core/errors/tollway-error.ts";
import type { PassageRef } from "./antenna-dedup.ts";
import type { GroupPlan } from "./group-plan.ts";
import { PASSAGE_COLUMNS, PASSAGE_TYPES } from "./passage-copy.ts";

/**
 * Writes a GroupPlan inside the caller's transaction: batch records, passages (binary COPY built
 * by passage-copy.ts; unnest rows where the server has no COPY, see Database.bulkMode), merged
 * antenna reads, 5-min counts (per class, and per lane for the gantry dashboard), dead letters and
 * gantry liveness.
 */

/**
 * Another ingest instance stored batches of these gantries since this one's antenna memory of
 * them was built: the transaction rolls back and the group is rebuilt from what is stored.
 */
export class GantryMovedError extends TollwayError {
  constructor(readonly gantries: string[]) {
    super("conflict", `gantries written by another ingest instance meanwhile: ${gantries.slice(0, 5).join(", ")}${gantries.length > 5 ? ", ..." : ""}`);
  }
}

/** Appends the passages: inserts only, so it may run while an earlier group is still committing. */
export async function writePassages(tx: Queryable, plan: GroupPlan): Promise<void> {
  if (!plan.passages.length) return;
  // A group's COPY takes well under a second; a minute means the connection is stuck.
  if (tx.bulkMode === "copy") await tx.copyEncoded("passages", PASSAGE_COLUMNS, plan.passageCopy, { binary: true, timeoutMs: 60_000 });
  else
    await tx.bulkInsert(
      "passages",
      PASSAGE_COLUMNS.map((name, i) => ({ name, type: PASSAGE_TYPES[i]! })),
      plan.passages.map((p) => [
        p.ts,
        p.gantry,
        p.tag,
        p.plate,
        p.conf,
        p.lane,
        p.readClass,
        p.vehicleClass,
        p.accountId,
        p.tariffId,
        p.price,
        p.rawReads,
        p.batch,
        p.unpriced,
        p.vehicleKey,
        p.identityConflict ? true : null,
      ]),
    );
}

/**
 * Adds merged antenna reads to passages stored earlier. Each is found through the tag or plate hash
 * index (the ts index is BRIN: an equality on ts alone reads a range of pages), one probe per
 * passage (lateral, limit 1) whatever the statistics say: on a table or chunk not analysed yet, a
 * plain join is planned as a full scan. The row is then updated by its id with its tag or plate,
 * gantry and time (the same hash-index probe, and the time picks its TimescaleDB chunk). Not by
 * ctid: TimescaleDB refuses any query naming ctid on a hypertable with a compressed chunk, and the
 * policy compresses chunks after 7 days (test/timescale-compression.timescale.test.ts). A passage id
 * is unique in practice (one identity sequence); only the ingest updates passages, and a group's
 * merges run after the previous group has committed and while it holds the gantry's claim (no other
 * instance writes the gantry meanwhile).
 */
async function mergeStored(tx: Queryable, refs: readonly PassageRef[], by: "tag" | "plate"): Promise<void> {
  if (!refs.length) return;
  const find = (a: string, k: string) => (by === "tag" ? `${a}.tag_id = ${k}` : `${a}.plate = ${k} and ${a}.tag_id is null`);
  await tx.query(
    `update passages p set raw_reads = least(32767, p.raw_reads + t.n)
       from (select u.g, u.ts, u.k, u.n, x.id from unnest($1::text[], $2::timestamptz[], $3::text[], $4::int[]) u(g, ts, k, n)
               cross join lateral (select q.id from passages q where ${find("q", "u.k")} and q.gantry_id = u.g and q.ts = u.ts limit 1) x) t
      where ${find("p", "t.k")} and p.gantry_id = t.g and p.ts = t.ts and p.id = t.id`,
    [refs.map((r) => r.gantry), refs.map((r) => r.ts), refs.map((r) => (by === "tag" ? r.tag : r.plate)), refs.map((r) => r.addStored)],
  );
}

/**
 * Batch records, merged reads, counts, dead letters, liveness: these take row locks, so they run
 * only after the previous group has committed (no lock waits between the two, no deadlock).
 */
export async function writeOthers(tx: Queryable, plan: GroupPlan): Promise<void> {
  // First: one writer per gantry, and only on an up-to-date memory of it (sql/610). Every row lock
  // below is on rows of the claimed gantries, taken after the claims (in gantry order): two ingest
  // instances wait for each other here, never in a cycle.
  if (plan.claims.length) {
    const { stale } = await tx.one<{ stale: string[] }>("select ingest_claim_gantries($1::text[], $2::int8[]) as stale", [
      plan.claims.map((c) => c.gantry),
      plan.claims.map((c) => c.expect),
    ]);
    if (stale.length) throw new GantryMovedError(stale);
  }
  if (plan.batches.length) {
    const b = plan.batches;
    await tx.query(
      `insert into ingest_batches (gantry_id, batch_no, sent_at, reads, accepted, rejected, antenna_duplicates)
       select * from unnest($1::text[], $2::int8[], $3::timestamptz[], $4::int[], $5::int[], $6::int[], $7::int[])`,
      [
        b.map((x) => x.gantry),
        b.map((x) => x.batch),
        b.map((x) => x.sent),
        b.map((x) => x.reads),
        b.map((x) => x.accepted),
        b.map((x) => x.rejected),
        b.map((x) => x.antennaDuplicates),
      ],
    );
  }
  await mergeStored(
    tx,
    plan.storedMerges.filter((r) => r.tag !== null),
    "tag",
  );
  await mergeStored(
    tx,
    plan.storedMerges.filter((r) => r.tag === null),
    "plate",
  );
  if (plan.passages.length) {
    // The local days this group stored passages of, per gantry (every day between its first and
    // last read there): the settlement scheduler settles a day again when passages of it arrive
    // after its run. Rows in (day, gantry) order, as every writer locks them.
    const span = new Map<string, { lo: number; hi: number }>();
    for (const p of plan.passages) {
      const r = span.get(p.gantry);
      if (!r) span.set(p.gantry, { lo: p.tsMs, hi: p.tsMs });
      else {
        if (p.tsMs < r.lo) r.lo = p.tsMs;
        if (p.tsMs > r.hi) r.hi = p.tsMs;
      }
    }
    const gantries = [...span.keys()].sort();
    await tx.query(
      `insert into passage_days (local_day, gantry_id, changed_xid)
       select d::date, u.g, pg_current_xact_id()
         from unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) u(g, lo, hi),
              generate_series((u.lo at time zone toll_timezone())::date, (u.hi at time zone toll_timezone())::date, interval '1 day') d
        order by 1, 2
       on conflict (local_day, gantry_id) do update set changed_xid = excluded.changed_xid`,
      [gantries, gantries.map((g) => new Date(span.get(g)!.lo)), gantries.map((g) => new Date(span.get(g)!.hi))],
    );
  }
  if (plan.hotlistHits.length) {
    const h = plan.hotlistHits;
    await tx.query(
      `insert into hotlist_hits (ts, gantry_id, tag_id, tag_status, plate, owner_account_id, vehicle_key, batch_no)
       select * from unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::text[], $8::int8[])`,
      [
        h.map((x) => x.ts),
        h.map((x) => x.gantry),
        h.map((x) => x.tag),
        h.map((x) => x.status),
        h.map((x) => x.plate),
        h.map((x) => x.ownerAccountId),
        h.map((x) => x.vehicleKey),
        h.map((x) => x.batch),
      ],
    );
  }
  if (plan.counts.length) {
    const c = plan.counts;
    await tx.query(
      `insert into vehicle_counts (bucket, gantry_id, direction, vehicle_class, source, volume)
       select to_timestamp(b / 1000.0), g, d, c, 'ingest', v from unnest($1::float8[], $2::text[], $3::text[], $4::int2[], $5::int[]) u(b, g, d, c, v)
       on conflict (bucket, gantry_id, vehicle_class, source) do update set volume = vehicle_counts.volume + excluded.volume`,
      [c.map((x) => x.bucketMs), c.map((x) => x.gantry), c.map((x) => x.direction), c.map((x) => x.vehicleClass), c.map((x) => x.volume)],
    );
  }
  if (plan.laneCounts.length) {
    const c = plan.laneCounts;
    await tx.query(
      `insert into gantry_lane_counts (bucket, gantry_id, lane, passages, plate_only, plate_reads, plate_conf_sum)
       select to_timestamp(b / 1000.0), g, l, n, po, pr, cs
         from unnest($1::float8[], $2::text[], $3::int2[], $4::int[], $5::int[], $6::int[], $7::float8[]) u(b, g, l, n, po, pr, cs)
       on conflict (bucket, gantry_id, lane) do update set
         passages = gantry_lane_counts.passages + excluded.passages,
         plate_only = gantry_lane_counts.plate_only + excluded.plate_only,
         plate_reads = gantry_lane_counts.plate_reads + excluded.plate_reads,
         plate_conf_sum = gantry_lane_counts.plate_conf_sum + excluded.plate_conf_sum`,
      [
        c.map((x) => x.bucketMs),
        c.map((x) => x.gantry),
        c.map((x) => x.lane),
        c.map((x) => x.passages),
        c.map((x) => x.plateOnly),
        c.map((x) => x.plateReads),
        c.map((x) => x.plateConfSum),
      ],
    );
  }
  if (plan.deadLetters.length) {
    const d = plan.deadLetters;
    await tx.query(
      `insert into dead_letters (gantry_id, batch_no, read_index, reason, payload, payload_text, raw)
       select * from unnest($1::text[], $2::int8[], $3::int[], $4::text[], $5::jsonb[], $6::text[], $7::bytea[])`,
      [
        d.map((x) => x.gantry),
        d.map((x) => x.batch),
        d.map((x) => x.readIndex),
        d.map((x) => x.reason),
        d.map((x) => x.payload),
        d.map((x) => x.payloadText),
        d.map((x) => (x.raw ? Buffer.from(x.raw) : null)),
      ],
    );
  }
  if (plan.gantryStatus.length) {
    const g = plan.gantryStatus;
    await tx.query(
      `insert into gantry_status (gantry_id, last_seen_at, last_batch_no, last_read_at)
       select g, now(), b, case when r is null then null else to_timestamp(r / 1000.0) end from unnest($1::text[], $2::int8[], $3::float8[]) u(g, b, r)
       on conflict (gantry_id) do update set
         last_seen_at = excluded.last_seen_at,
         last_batch_no = greatest(gantry_status.last_batch_no, excluded.last_batch_no),
         last_read_at = greatest(gantry_status.last_read_at, excluded.last_read_at)`,
      [g.map((x) => x.gantry), g.map((x) => x.lastBatch), g.map((x) => x.lastReadMs)],
    );
  }
}
