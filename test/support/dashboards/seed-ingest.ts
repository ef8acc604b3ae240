import type { Database } from "../../../core/db/database.ts";
import { silentLogger } from "../../../core/log/logger.ts";
import { GantryClient } from "../../../ingest/gantry-client/index.ts";
import { IngestService } from "../../../ingest/service/ingest-service.ts";
import type { SeedScope } from "./seed-sql.ts";

/**
 * Fills the ingest's tables the way production does: a real IngestService on a ZeroMQ ROUTER and one
 * real TR1 gantry client per gantry, sending six hours of reads (tags, plate-only vehicles, antenna
 * duplicates, malformed reads, three stolen tags) plus one message from an unknown gantry. The ingest
 * writes passages, vehicle counts, batches, gantry status, dead letters, hotlist hits and its own statistics.
 */
export interface IngestSeedReport {
  reads: number;
  accepted: number;
  rejected: number;
  batches: number;
}

const CLASSES = [31, 31, 31, 32, 41, 42, 5] as const;

function readsFor(gantryIndex: number, from: number, to: number): object[] {
  const reads: object[] = [];
  let n = 0;
  for (let t = from + gantryIndex * 1000; t < to; t += 20_000) {
    n++;
    const cls = CLASSES[n % CLASSES.length]!;
    const ts = new Date(t).toISOString();
    const tag = `E2801160600002${gantryIndex}${(n % 100_000).toString(16).toUpperCase().padStart(9, "0")}`;
    if (n % 9 === 0) reads.push({ plate: `TST-${1000 + (n % 9000)}`, ts, lane: 1 + (n % 3), class: cls, conf: 0.8 + (n % 20) / 100 });
    else reads.push({ tag, ts, lane: 1 + (n % 3), class: cls });
    // A second antenna sees every seventh vehicle again a second later: one passage, one duplicate.
    if (n % 7 === 0 && n % 9 !== 0) reads.push({ tag, ts: new Date(t + 1000).toISOString(), lane: 1 + (n % 3), class: cls });
    if (n % 97 === 0) reads.push({ tag, ts, lane: 1, class: 99 });
    if (n % 131 === 0) reads.push({ tag: "NOT-HEX", ts, lane: 1, class: 31 });
  }
  return reads;
}

export async function seedThroughIngest(db: Database, scope: SeedScope, opts: { maxGroupReads?: number } = {}): Promise<IngestSeedReport> {
  const ingest = new IngestService({
    db,
    logger: silentLogger,
    bind: "tcp://127.0.0.1:*",
    duplicateWindowSeconds: 60,
    // The seed's reads are the 6 hours before its "now": that is the ingest's clock here.
    now: () => scope.now.getTime(),
    readMaxAgeSeconds: 7 * 86_400,
    readMaxAheadSeconds: 300,
    statsIntervalMs: 250,
    instance: "ingest-test",
    ...(opts.maxGroupReads ? { maxGroupReads: opts.maxGroupReads } : {}),
  });
  // Three tags of the first gantry's vehicles are stolen: their passages are hotlist hits.
  const owner = await db.one<{ id: number }>("insert into accounts (name) values ('hotlist owner') returning id");
  await db.query(
    `insert into tags (id, account_id, vehicle_class, status)
     select 'E28011606000020' || lpad(upper(to_hex(n)), 9, '0'), $1, 31, 'stolen' from generate_series(1, 3) n`,
    [owner.id],
  );
  await ingest.start();
  const report: IngestSeedReport = { reads: 0, accepted: 0, rejected: 0, batches: 0 };
  const clients: GantryClient[] = [];
  try {
    const to = scope.now.getTime();
    const from = to - 6 * 3_600_000;
    await Promise.all(
      scope.gantries.map(async (gantryId, gi) => {
        const client = new GantryClient({ endpoint: ingest.endpoint, gantryId, ackTimeoutMs: 20_000 });
        clients.push(client);
        const reads = readsFor(gi, from, to);
        for (let i = 0, batch = 1; i < reads.length; i += 250, batch++) {
          const { reply } = await client.send(batch, reads.slice(i, i + 250));
          if (reply.status !== "ok") throw new Error(`batch ${batch} of ${gantryId}: ${reply.status} ${reply.reason ?? ""}`);
          report.reads += Math.min(250, reads.length - i);
          report.accepted += reply.accepted;
          report.rejected += reply.rejected;
          report.batches++;
        }
      }),
    );
    // A gantry the network does not know: the whole message becomes a dead letter.
    const stranger = new GantryClient({ endpoint: ingest.endpoint, gantryId: "99X9999X", ackTimeoutMs: 20_000 });
    clients.push(stranger);
    const { reply } = await stranger.send(1, [{ tag: "E2801160600002ABCDEF0001", ts: new Date(to).toISOString(), lane: 1, class: 31 }]);
    if (reply.status !== "rejected") throw new Error(`unknown gantry answered ${reply.status}`);
    // Let at least one statistics interval pass with traffic on record.
    await Bun.sleep(600);
  } finally {
    for (const c of clients) c.close();
    await ingest.stop();
  }
  return report;
}
