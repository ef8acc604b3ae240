import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RECONCILIATION_BUCKETS } from "../core/settlement/reconciliation.ts";
import { SettlementScheduler } from "../core/settlement/settlement-scheduler.ts";
import { SettlementService } from "../core/settlement/settlement-service.ts";
import type { IngestService } from "../ingest/service/ingest-service.ts";
import { Outbox } from "../ingest/simulator/outbox.ts";
import { hashString, Prng } from "../ingest/simulator/prng.ts";
import { provisionRegisteredTags } from "../ingest/simulator/provision.ts";
import type { SimulatedRead } from "../ingest/simulator/simulated-read.ts";
import { Simulator } from "../ingest/simulator/simulator.ts";
import { TrafficData } from "../ingest/simulator/traffic-data.ts";
import { TrafficModel } from "../ingest/simulator/traffic-model.ts";
import { registeredTagPool, unregisteredPlate } from "../ingest/simulator/vehicle-identities.ts";
import { createTestGateway, expectJson, type TestGateway } from "./support/gateway.ts";
import { startIngest } from "./support/ingest.ts";
import { settleThroughApi } from "./support/tolling.ts";

// Loading the real network and TDCS data and streaming a few thousand vehicles take a while on a loaded 2-core machine.
setDefaultTimeout(120_000);

/**
 * Reconciliation of a simulated day: the traffic model on the real network (freeways 3 and 5, 25 simulated
 * minutes), sent through the real ingest (TR1 over libzmq) by the simulator, settled through the API, two
 * gantries flushing their outbox only after the settlement, then the scheduler's late re-run. Every stored
 * passage ends in exactly one bucket and the money equals the ledger and the plate bills to the NT$0.1.
 */
let gw: TestGateway;
let ingest: IngestService;
let scheduler: SettlementScheduler;
let dir: string;
const DAY = "2024-03-25";
const START = Date.parse(`${DAY}T09:00:00+08:00`);
let now = new Date(`${DAY}T23:00:00+08:00`);
let data: TrafficData;
const pool = () => registeredTagPool(900, "recon", data.dailyClassShare());
const STATUSES = ["stolen", "lost", "blocked"] as const;
/** The first 45 tags of the pool are reported before the traffic (15 each stolen, lost, blocked). */
const HOTLISTED = 45;
let hotlisted: Set<string>;
let onTime: SimulatedRead[];
let late: SimulatedRead[];
let lateGantries: string[];
let modelPassages: number;

/**
 * The model reads registered tags alone, fresh (unregistered) tags alone and unregistered plates alone.
 * The other identities are made from its reads, deterministically (one seeded PRNG in read order, or a
 * hash of the tag), keeping each vehicle one vehicle:
 * - a registered tag: 35 % of its reads also carry its registered plate, 20 % carry the plate only
 *   (conf 0.95), the rest the tag only; an antenna duplicate is decided on its own, so tag+plate,
 *   plate-only and tag-only reads of one car meet within the antenna window;
 * - a hotlisted tag: by a hash of the tag, every read carries a thief's (unregistered) plate, or none;
 * - an unregistered tag: by a hash of the tag, every read carries an unregistered plate, or none.
 */
function identities(reads: Iterable<SimulatedRead>, registered: Map<string, string>): SimulatedRead[] {
  const rng = new Prng("recon-identities");
  const out: SimulatedRead[] = [];
  for (const r of reads) {
    const tag = r.read.tag;
    if (tag) {
      const plate = registered.get(tag);
      if (hotlisted.has(tag)) {
        if (hashString(`thief:${tag}`) % 2 === 0) r.read = { ...r.read, plate: unregisteredPlate(hashString(`thief:${tag}`)), conf: 0.93 };
      } else if (plate) {
        const x = rng.next();
        if (x < 0.35) r.read = { ...r.read, plate, conf: 0.95 };
        else if (x < 0.55) {
          const { tag: _, ...rest } = r.read;
          r.read = { ...rest, plate, conf: 0.95 };
        }
      } else if (hashString(`plate:${tag}`) % 2 === 0) {
        r.read = { ...r.read, plate: unregisteredPlate(hashString(`plate:${tag}`) + 7), conf: 0.91 };
      }
    }
    out.push(r);
  }
  return out;
}

async function simulate(reads: SimulatedRead[], name: string) {
  const sim = new Simulator({
    endpoint: ingest.endpoint,
    reads: reads[Symbol.iterator](),
    simStartMs: START,
    outbox: new Outbox(join(dir, name), { fsync: false }),
    acceleration: Infinity,
    maxBatchReads: 200,
  });
  const s = await sim.run();
  expect(s.unackedBatches).toBe(0);
  expect(s.numberCollisions).toBe(0);
  expect(s.readsAcked).toBe(reads.length);
  expect(s.readsRejected).toBe(0);
  return s;
}

const reconciliation = async () => expectJson(await gw.request(`/v1/reconciliation?day=${DAY}`, { role: "auditor" }), 200);

/** Every passage id of a bucket, through the API (keyset pages of 1000). */
async function bucketIds(bucket: string): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | null = null;
  do {
    const page: any = await expectJson(
      await gw.request(`/v1/reconciliation/passages?day=${DAY}&bucket=${bucket}&limit=1000${cursor ? `&cursor=${cursor}` : ""}`, { role: "auditor" }),
      200,
    );
    for (const p of page.items) ids.push(Number(p.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

beforeAll(async () => {
  gw = await createTestGateway();
  data = TrafficData.load({ freeways: ["03F", "05F"] });
  const tags = pool();
  await provisionRegisteredTags(gw.testDb.db, tags);
  hotlisted = new Set(tags.slice(0, HOTLISTED).map((t) => t.tag));
  // Reported through the tag status route before the ingest (and its vehicle directory) starts.
  for (const [i, t] of tags.slice(0, HOTLISTED).entries()) {
    await expectJson(await gw.request(`/v1/tags/${t.tag}/status`, { method: "POST", role: "toll_operator", json: { status: STATUSES[i % 3] } }), 200);
  }
  const model = new TrafficModel({
    data,
    startMs: START,
    durationMs: 25 * 60_000,
    seed: 13,
    vehiclesPerHour: 6000,
    registeredTags: tags,
    duplicateRate: 0.15,
    collectTravelTimes: false,
  });
  const all = identities({ [Symbol.iterator]: () => model.reads() }, new Map(tags.map((t) => [t.tag, t.plate])));
  modelPassages = model.truth.passages;
  // The late gantries: the two with the most reads, held back until the day is settled.
  const perGantry = new Map<string, number>();
  for (const r of all) perGantry.set(r.gantryId, (perGantry.get(r.gantryId) ?? 0) + 1);
  lateGantries = [...perGantry.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 2)
    .map(([g]) => g);
  onTime = all.filter((r) => !lateGantries.includes(r.gantryId));
  late = all.filter((r) => lateGantries.includes(r.gantryId));

  dir = mkdtempSync(join(tmpdir(), "tollway-recon-sim-"));
  ingest = await startIngest(gw.testDb.db);
  const clock = () => now;
  scheduler = new SettlementScheduler(gw.testDb.db, new SettlementService(gw.testDb.db, { timeZone: "Asia/Taipei", clock }), {
    timeZone: "Asia/Taipei",
    clock,
  });
}, 120_000);

afterAll(async () => {
  await scheduler?.stop();
  await ingest?.stop();
  await gw?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("reconciliation of a simulated day", () => {
  test("every stored passage in exactly one bucket; the money equals the ledger and the plate bills to the NT$0.1", async () => {
    await simulate(onTime, "on-time");
    // Settled through the API (a 202 job), then the scheduler's first tick notes what the day's run saw.
    expect(await settleThroughApi(gw, DAY)).toMatchObject({ status: "done" });
    now = new Date(Date.parse(`${DAY}T23:59:00+08:00`) + 15 * 60_000);
    await scheduler.tick();
    expect((await reconciliation()).buckets.pending.passages).toBe(0);

    // The late gantries flush their outbox after the settlement: their passages are pending until the next tick.
    await simulate(late, "late");
    const lateStored = await gw.testDb.db.one<{ n: number }>(
      "select count(*)::int as n from passages where gantry_id = any($1::text[]) and posted_price_tenths is not null",
      [lateGantries],
    );
    expect(lateStored.n).toBeGreaterThan(0);
    expect((await reconciliation()).buckets.pending.passages).toBe(lateStored.n);
    now = new Date(now.getTime() + 60_000);
    expect(await scheduler.tick()).toMatchObject({ resettled: [DAY] });

    const r = await reconciliation();
    const buckets = Object.fromEntries(Object.entries(r.buckets).map(([k, v]: [string, any]) => [k, v.passages])) as Record<string, number>;
    const stored = await gw.testDb.db.query<{ id: string }>(
      "select id from passages where ts >= $1::date::timestamp at time zone 'Asia/Taipei' and ts < ($1::date + 1)::timestamp at time zone 'Asia/Taipei'",
      [DAY],
    );
    // Antenna duplicates (also tag+plate against plate-only reads of one car) are one passage each.
    expect(stored.length).toBe(modelPassages);
    expect(r.stored).toBe(stored.length);
    expect(Object.values(buckets).reduce((a, b) => a + b, 0)).toBe(r.stored);
    expect(buckets.pending).toBe(0);
    for (const b of ["charged", "billed", "unbillable:no_plate", "unbillable:hotlist"]) expect(buckets[b]).toBeGreaterThan(0);
    for (const g of r.gantries) expect(g.buckets && Object.values(g.buckets).reduce((a: number, b: any) => a + b.passages, 0)).toBe(g.stored);

    // Per passage: the buckets listed through the API are disjoint and cover every stored passage.
    const seen = new Map<number, string>();
    for (const b of RECONCILIATION_BUCKETS) {
      const ids = await bucketIds(b);
      expect(ids.length).toBe(buckets[b] ?? 0);
      for (const id of ids) {
        expect(seen.get(id)).toBeUndefined();
        seen.set(id, b);
      }
    }
    expect([...seen.keys()].sort((a, b) => a - b)).toEqual(stored.map((p) => Number(p.id)).sort((a, b) => a - b));

    // The money, from the tables: the ledger against the settled payable of accounts, the plate bills against
    // the payable billed by plate (no bill was paid, so no supplement or refund).
    const m = await gw.testDb.db.one<{ payable: number; ledger: number; plate_payable: number; bills: number; refunds: number }>(
      `select (select coalesce(sum(payable_tenths), 0) from settlements where local_day = $1::date and account_id is not null)::int as payable,
              (select coalesce(-sum(l.amount_tenths), 0) from ledger_entries l join settlements s on s.id = l.settlement_id
                where s.local_day = $1::date and l.kind in ('toll', 'toll_adjustment'))::int as ledger,
              (select coalesce(sum(s.payable_tenths), 0) from settlements s
                where s.local_day = $1::date and s.account_id is null and exists (select 1 from plate_bills pb where pb.settlement_id = s.id))::int as plate_payable,
              (select coalesce(sum(toll_tenths), 0) from plate_bills where local_day = $1::date)::int as bills,
              (select count(*) from plate_bill_refunds)::int as refunds`,
      [DAY],
    );
    expect(m.refunds).toBe(0);
    expect(m.ledger).toBe(m.payable);
    expect(m.bills).toBe(m.plate_payable);
    expect(r.money.chargedTenths).toBe(m.payable);
    expect(r.money.ledgerTenths).toBe(m.ledger);
    expect(r.money.billedTenths).toBe(m.bills);
    expect(r.money.plateBillTenths).toBe(m.bills);
    expect(m.ledger).toBeGreaterThan(0);
    expect(m.bills).toBeGreaterThan(0);
    expect(r.balanced).toBe(true);
    // The late gantries' passages are in the revised settlements: an adjustment, not a second charge.
    const adj = await gw.testDb.db.one<{ n: number }>(
      "select count(*)::int as n from ledger_entries l join settlements s on s.id = l.settlement_id where s.local_day = $1::date and l.kind = 'toll_adjustment'",
      [DAY],
    );
    expect(adj.n).toBeGreaterThan(0);
    const twice = await gw.testDb.db.one<{ n: number }>(
      "select count(*)::int as n from (select settlement_id from ledger_entries where kind = 'toll' group by settlement_id having count(*) > 1) x",
    );
    expect(twice.n).toBe(0);

    // Hotlisted tags: hits, and nothing charged to their owners.
    const hits = await gw.testDb.db.one<{ n: number }>("select count(*)::int as n from hotlist_hits where tag_id = any($1::text[])", [[...hotlisted]]);
    expect(hits.n).toBeGreaterThan(0);
    const owners = await gw.testDb.db.query<{ account_id: number }>("select account_id from tags where id = any($1::text[])", [[...hotlisted]]);
    const hotPassages = await gw.testDb.db.one<{ n: number }>("select count(*)::int as n from passages where tag_id = any($1::text[])", [[...hotlisted]]);
    for (const o of owners) {
      const tolls = (await expectJson(await gw.request(`/v1/accounts/${o.account_id}/ledger`, { role: "auditor" }), 200)).items.filter(
        (e: any) => e.kind === "toll" || e.kind === "toll_adjustment",
      );
      expect(tolls).toEqual([]);
    }
    const charged = await gw.testDb.db.one<{ n: number }>(
      "select count(*)::int as n from passage_reconciliation($1::date) where tag_id = any($2::text[]) and bucket = 'charged'",
      [DAY, [...hotlisted]],
    );
    expect(charged.n).toBe(0);
    // With a (thief's) plate read they are billed by plate, without one unbillable;
    // either way free when the trip stayed under the free km.
    const hot = await gw.testDb.db.query<{ with_plate: boolean; bucket: string; n: number }>(
      `select plate is not null as with_plate, bucket, count(*)::int as n from passage_reconciliation($1::date)
        where tag_id = any($2::text[]) and bucket <> 'unbillable:no_zone' group by 1, 2`,
      [DAY, [...hotlisted]],
    );
    for (const h of hot) expect(["no_charge", h.with_plate ? "billed" : "unbillable:hotlist"]).toContain(h.bucket);
    expect(hot.find((h) => h.with_plate && h.bucket === "billed")?.n).toBeGreaterThan(0);
    expect(hot.find((h) => !h.with_plate && h.bucket === "unbillable:hotlist")?.n).toBeGreaterThan(0);

    console.log(
      JSON.stringify({
        stored: r.stored,
        lateGantries,
        late: lateStored.n,
        hotlistHits: hits.n,
        hotlistedPassages: hotPassages.n,
        buckets,
        money: r.money,
      }),
    );
  });
});
