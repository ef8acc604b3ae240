import type { Database } from "../../core/db/database.ts";
import { GANTRY_ID, MAX_BODY_BYTES, MAX_READS, checkRead, headerSchema, type ReadCheck, type Tr1Header } from "../protocol/tr1.ts";
import type { IncomingMessage } from "../zmq/index.ts";
import type { AntennaDedup, GantryState, PassageRef } from "./antenna-dedup.ts";
import { encodeRawFrames, readDeadLetter } from "./dead-letters.ts";
import { emptyGroupPlan, type CountRow, type GantryStatusRow, type GroupPlan, type LaneCountRow } from "./group-plan.ts";
import { passagesCopyBinary } from "./passage-copy.ts";
import { resolveVehicle } from "./vehicle-identity.ts";
import type { ClassPrices, GantryInfo, ReferenceData, TariffSpan, Tariffs } from "./reference-data.ts";
import type { VehicleDirectory } from "./vehicle-directory.ts";

/**
 * Turns one group of gantry messages into a write plan: decode and validate, find batches already
 * committed, drop antenna duplicates, look up vehicles, price, count per 5 minutes. The plan is
 * written in one transaction; the replies go out after it commits.
 */

type Decoded =
  | { kind: "rejected"; msg: IncomingMessage; reason: string; gantry: string | null; batch: number | null }
  | { kind: "batch"; msg: IncomingMessage; header: Tr1Header; reads: unknown[]; minTs: number; maxTs: number };

const utf8 = new TextDecoder("utf-8", { fatal: true });
const FIVE_MIN = 300_000;

export interface GroupBuilderDeps {
  /** Gantries and tariffs, checked for changes before each group. */
  reference: ReferenceData;
  vehicles: VehicleDirectory;
  dedup: AntennaDedup;
  windowMs: number;
  /** CURVE on: the authenticated gantry id must match the header. */
  curve: boolean;
  /** Reads stamped before now - maxAgeMs or after now + maxAheadMs are dead-lettered. */
  readWindow: ReadWindow;
  /** The ingest's clock (ms since the epoch). */
  now: () => number;
}

export interface ReadWindow {
  maxAgeMs: number;
  maxAheadMs: number;
}

export class GroupBuilder {
  /** The verdicts for reads outside the window (one object each: no allocation per read). */
  private readonly tooOld: ReadCheck;
  private readonly tooNew: ReadCheck;

  constructor(private readonly deps: GroupBuilderDeps) {
    const w = deps.readWindow;
    this.tooOld = { ok: false, reason: `ts: more than ${w.maxAgeMs / 1000} s before the ingest's clock (INGEST_READ_MAX_AGE_S)` };
    this.tooNew = { ok: false, reason: `ts: more than ${w.maxAheadMs / 1000} s ahead of the ingest's clock (INGEST_READ_MAX_AHEAD_S)` };
  }

  /** Decodes one message (no database). */
  private decode(msg: IncomingMessage, gantries: ReadonlyMap<string, GantryInfo>): Decoded {
    const f = msg.frames;
    const authenticated = msg.userId ?? null;
    const reject = (reason: string, gantry: string | null = authenticated, batch: number | null = null): Decoded => ({
      kind: "rejected",
      msg,
      reason,
      gantry,
      batch,
    });
    if (msg.frameCount !== 3) return reject(`frames: expected 3, got ${msg.frameCount}`);
    if (f[0]!.length !== 3 || f[0]![0] !== 84 || f[0]![1] !== 82 || f[0]![2] !== 49) return reject("frames: first frame must be TR1");
    let headerJson: unknown;
    try {
      headerJson = JSON.parse(utf8.decode(f[1]));
    } catch (e) {
      return reject(e instanceof TypeError ? "header: not valid UTF-8" : "header: not JSON");
    }
    const h = headerSchema.safeParse(headerJson);
    if (!h.success) {
      const i = h.error.issues[0]!;
      const claimed = (headerJson as { gantry?: unknown } | null)?.gantry;
      const batch = (headerJson as { batch?: unknown } | null)?.batch;
      return reject(
        `header: ${i.path.join(".") || "header"}: ${i.message}`,
        authenticated ?? (typeof claimed === "string" && GANTRY_ID.test(claimed) ? claimed : null),
        typeof batch === "number" && Number.isSafeInteger(batch) ? batch : null,
      );
    }
    const header = h.data;
    if (this.deps.curve && authenticated !== header.gantry)
      return reject(`gantry mismatch: authenticated as ${authenticated ?? "nobody"}, header names ${header.gantry}`, authenticated, header.batch);
    if (!gantries.has(header.gantry)) return reject(`unknown gantry ${header.gantry}`, null, header.batch);
    const body = f[2]!;
    if (body.length > MAX_BODY_BYTES) return reject(`body too large: ${body.length} bytes (max ${MAX_BODY_BYTES})`, header.gantry, header.batch);
    let reads: unknown;
    try {
      reads = JSON.parse(utf8.decode(body));
    } catch (e) {
      return reject(e instanceof TypeError ? "body: not valid UTF-8" : "body: not JSON", header.gantry, header.batch);
    }
    if (!Array.isArray(reads)) return reject("body: must be a JSON array of reads", header.gantry, header.batch);
    if (reads.length > MAX_READS) return reject(`body: ${reads.length} reads (max ${MAX_READS})`, header.gantry, header.batch);
    return { kind: "batch", msg, header, reads, minTs: Number.NaN, maxTs: Number.NaN };
  }

  /**
   * `inFlight`: batches of a group built before and still committing: a resend of one of them is a
   * duplicate too (its reply goes out after this group, so after that one commits).
   */
  async build(db: Database, messages: readonly IncomingMessage[], inFlight?: ReadonlyMap<string, { accepted: number; rejected: number }>): Promise<GroupPlan> {
    // Gantries and tariffs as committed now: a change made before this group prices it.
    const { gantries, tariffs } = await this.deps.reference.current(db);
    const decoded = messages.map((m) => this.decode(m, gantries));
    const plan = emptyGroupPlan();

    // Validate every read first: the checks tell which gantries' stored passages to load.
    // Times outside the window are refused here: far-off times would be priced, counted and
    // stored at instants later jobs cannot handle (year 0 or 9999).
    const nowMs = this.deps.now();
    const oldestMs = nowMs - this.deps.readWindow.maxAgeMs;
    const newestMs = nowMs + this.deps.readWindow.maxAheadMs;
    const checks: (ReturnType<typeof checkRead>[] | undefined)[] = [];
    const vehicles = this.deps.vehicles;
    const coldRange = new Map<string, { lo: number; hi: number }>();
    const batchKeysG: string[] = [];
    const batchKeysB: number[] = [];
    for (const d of decoded) {
      if (d.kind !== "batch") {
        checks.push(undefined);
        continue;
      }
      batchKeysG.push(d.header.gantry);
      batchKeysB.push(d.header.batch);
      const cs = new Array<ReturnType<typeof checkRead>>(d.reads.length);
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < d.reads.length; i++) {
        let c = checkRead(d.reads[i]);
        if (c.ok && !(c.tsMs >= oldestMs && c.tsMs <= newestMs)) c = c.tsMs < oldestMs ? this.tooOld : this.tooNew;
        cs[i] = c;
        if (!c.ok) continue;
        if (c.tsMs < lo) lo = c.tsMs;
        if (c.tsMs > hi) hi = c.tsMs;
      }
      checks.push(cs);
      if (lo <= hi && !this.deps.dedup.isWarm(d.header.gantry)) {
        const r = coldRange.get(d.header.gantry);
        if (!r) coldRange.set(d.header.gantry, { lo, hi });
        else {
          r.lo = Math.min(r.lo, lo);
          r.hi = Math.max(r.hi, hi);
        }
      }
    }

    const w = this.deps.windowMs;
    const [committed, , warm] = await Promise.all([
      batchKeysG.length
        ? db.query<{ gantry_id: string; batch_no: number; accepted: number; rejected: number }>(
            `select b.gantry_id, b.batch_no, b.accepted, b.rejected from ingest_batches b
               join unnest($1::text[], $2::int8[]) k(g, n) on b.gantry_id = k.g and b.batch_no = k.n`,
            [batchKeysG, batchKeysB],
          )
        : [],
      // Tags and plates registered or changed since the last group.
      vehicles.refresh(db),
      // Everything from the window before the first read on: a previous process may have stored
      // this gantry's later batches too (batches resent after a crash start before those), and
      // the rest of this gantry's batches will find them in memory.
      coldRange.size
        ? db.query<{
            gantry_id: string;
            ts: string;
            ms: number;
            key: string;
            tag_id: string | null;
            plate: string | null;
            raw_reads: number;
            version: string | null;
          }>(
            // The earliest bound as a constant too: the BRIN ts index then limits the scan to recent pages.
            // One statement, one snapshot: each gantry's version (sql/610, rows with a version) is the
            // one these passages are complete for.
            `select p.gantry_id, p.ts::text as ts, extract(epoch from p.ts)::float8 * 1000 as ms,
                    coalesce(p.vehicle_key, p.tag_id, 'plate:' || p.plate) as key, p.tag_id, p.plate, p.raw_reads, null::text as version
               from unnest($1::text[], $2::timestamptz[]) w(g, lo)
               join passages p on p.gantry_id = w.g and p.ts >= w.lo
              where p.ts >= $3
             union all
             select w.g, null, null, null, null, null, null, coalesce(v.version, 0)::text
               from unnest($1::text[]) w(g) left join ingest_gantry_versions v on v.gantry_id = w.g`,
            [
              [...coldRange.keys()],
              [...coldRange.values()].map((r) => new Date(r.lo - w)),
              new Date(Math.min(...[...coldRange.values()].map((r) => r.lo)) - w),
            ],
          )
        : [],
    ]);
    if (coldRange.size) {
      const byGantry = new Map<string, { key: string; tsMs: number; ts: string; tag: string | null; plate: string | null; rawReads: number }[]>();
      const versions = new Map<string, number>();
      for (const g of coldRange.keys()) byGantry.set(g, []);
      for (const r of warm) {
        if (r.version !== null) versions.set(r.gantry_id, Number(r.version));
        else byGantry.get(r.gantry_id)!.push({ key: r.key, tsMs: Math.round(r.ms), ts: r.ts, tag: r.tag_id, plate: r.plate, rawReads: r.raw_reads });
      }
      for (const [g, list] of byGantry) this.deps.dedup.warm(g, list, versions.get(g) ?? 0);
    }
    const done = new Map<string, { accepted: number; rejected: number }>(inFlight ?? []);
    for (const c of committed) done.set(`${c.gantry_id}#${c.batch_no}`, { accepted: c.accepted, rejected: c.rejected });

    const dedup = this.deps.dedup;
    // Per gantry, keyed by bucket start + class (buckets are multiples of 300 000 ms, classes < 100).
    const counts = new Map<string, Map<number, CountRow>>();
    // Per gantry, keyed by bucket start + lane (lanes -1..99, buckets 300 000 ms apart).
    const laneCounts = new Map<string, Map<number, LaneCountRow>>();
    const status = new Map<string, GantryStatusRow>();
    const storedMerges = new Set<PassageRef>();
    /** Gantries whose batches this group stores -> the version it expects (null: lock only). */
    const claims = new Map<string, number | null>();
    const st = plan.stats;

    for (let m = 0; m < decoded.length; m++) {
      const d = decoded[m]!;
      if (d.kind === "rejected") {
        st.rejectedBatches++;
        const reason = d.reason;
        const short = /^(frames|header|body too large|body|gantry mismatch|unknown gantry)/.exec(reason)?.[1] ?? "other";
        st.rejectReasons.set(short, (st.rejectReasons.get(short) ?? 0) + 1);
        plan.deadLetters.push({
          gantry: d.gantry,
          batch: d.batch,
          readIndex: null,
          reason,
          payload: null,
          payloadText: null,
          raw: encodeRawFrames(d.msg.frames),
        });
        plan.replies.push({ to: d.msg, reply: { batch: d.batch, status: "rejected", accepted: 0, rejected: 0, errors: [], reason } });
        continue;
      }
      const { gantry, batch } = d.header;
      const key = `${gantry}#${batch}`;
      // Committed before, or an earlier copy in this same group: "duplicate", nothing written twice.
      const prior = done.get(key);
      if (prior) {
        st.duplicates++;
        plan.replies.push({ to: d.msg, reply: { batch, status: "duplicate", accepted: prior.accepted, rejected: prior.rejected, errors: [] } });
        continue;
      }
      const cs = checks[m]!;
      const dg = dedup.gantry(gantry);
      const direction = gantries.get(gantry)!.direction;
      let gantryCounts = counts.get(gantry);
      if (!gantryCounts) counts.set(gantry, (gantryCounts = new Map()));
      let gantryLanes = laneCounts.get(gantry);
      if (!gantryLanes) laneCounts.set(gantry, (gantryLanes = new Map()));
      const { accepted, dups, lastReadMs, errors } = this.addReads(plan, d.reads, cs, {
        body: d.msg.frames[2]!,
        gantry,
        batch,
        direction,
        dedupState: dg,
        counts: gantryCounts,
        lanes: gantryLanes,
        storedMerges,
        tariffs,
      });
      // The first batch of a gantry in this group that used its antenna memory claims the version
      // that memory was built on; the group after it (from this instance) expects one more.
      if (accepted > 0 && claims.get(gantry) == null) claims.set(gantry, dg.version++);
      else if (!claims.has(gantry)) claims.set(gantry, null);
      done.set(key, { accepted, rejected: errors.length });
      st.batches++;
      st.reads += cs.length;
      st.acceptedReads += accepted;
      st.rejectedReads += errors.length;
      st.antennaDuplicates += dups;
      plan.batches.push({ gantry, batch, sent: d.header.sent, reads: cs.length, accepted, rejected: errors.length, antennaDuplicates: dups });
      const s = status.get(gantry);
      if (!s) status.set(gantry, { gantry, lastBatch: batch, lastReadMs });
      else {
        s.lastBatch = Math.max(s.lastBatch, batch);
        if (lastReadMs !== null && (s.lastReadMs === null || lastReadMs > s.lastReadMs)) s.lastReadMs = lastReadMs;
      }
      plan.replies.push({ to: d.msg, reply: { batch, status: "ok", accepted, rejected: errors.length, errors } });
    }
    plan.storedMerges = [...storedMerges].map((r) => ({ ...r }));
    for (const b of plan.batches) plan.batchKeys.set(`${b.gantry}#${b.batch}`, { accepted: b.accepted, rejected: b.rejected });
    // Fix the rows now: the next group may merge more reads into these passages while this one
    // commits; it then counts them as merges into stored passages (it commits after this one).
    for (const p of plan.passages) p.rawReads = p.ref.rawReads;
    plan.passageCopy = db.bulkMode === "copy" ? passagesCopyBinary(plan.passages) : [];
    this.deps.dedup.committed(plan.newRefs);
    this.deps.dedup.committed(storedMerges);
    // Sorted keys: concurrent writers lock count rows in the same order.
    const byBucketGantry = (a: { bucketMs: number; gantry: string }, b: { bucketMs: number; gantry: string }) =>
      a.bucketMs - b.bucketMs || (a.gantry < b.gantry ? -1 : a.gantry > b.gantry ? 1 : 0);
    plan.counts = [...counts.values()].flatMap((m) => [...m.values()]).sort((a, b) => byBucketGantry(a, b) || a.vehicleClass - b.vehicleClass);
    plan.laneCounts = [...laneCounts.values()].flatMap((m) => [...m.values()]).sort((a, b) => byBucketGantry(a, b) || a.lane - b.lane);
    plan.gantryStatus = [...status.values()].sort((a, b) => (a.gantry < b.gantry ? -1 : 1));
    plan.claims = [...claims].map(([gantry, expect]) => ({ gantry, expect })).sort((a, b) => (a.gantry < b.gantry ? -1 : 1));
    return plan;
  }

  /**
   * One accepted batch's reads: dead letters for the bad ones; antenna merges; for each new passage
   * its vehicle, price, row and counts. A method of its own: a small hot loop the JIT optimises
   * fully (inside build() it was part of one very large async function).
   */
  private addReads(
    plan: GroupPlan,
    reads: readonly unknown[],
    cs: readonly ReadCheck[],
    b: {
      /** The body as received: kept for a bad read whose value cannot be written back as JSON. */
      body: Uint8Array;
      gantry: string;
      batch: number;
      direction: string;
      dedupState: GantryState;
      counts: Map<number, CountRow>;
      lanes: Map<number, LaneCountRow>;
      storedMerges: Set<PassageRef>;
      tariffs: Tariffs;
    },
  ): { accepted: number; dups: number; lastReadMs: number | null; errors: { i: number; reason: string }[] } {
    const { gantry, batch, direction, dedupState, counts, lanes, storedMerges, tariffs } = b;
    const dedup = this.deps.dedup;
    const vehicles = this.deps.vehicles;
    const st = plan.stats;
    const errors: { i: number; reason: string }[] = [];
    let accepted = 0;
    let dups = 0;
    let lastReadMs: number | null = null;
    // A batch's reads are nearly always under one tariff: its prices at this gantry are looked up
    // again only when a read falls outside the tariff's span.
    let span: TariffSpan | undefined;
    let prices: ClassPrices | undefined;
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i]!;
      if (!c.ok) {
        errors.push({ i, reason: c.reason });
        st.rejectReasons.set("read", (st.rejectReasons.get("read") ?? 0) + 1);
        plan.deadLetters.push(readDeadLetter(gantry, batch, i, c.reason, reads[i], b.body));
        continue;
      }
      accepted++;
      const r = c.read;
      const tsMs = c.tsMs;
      if (lastReadMs === null || tsMs > lastReadMs) lastReadMs = tsMs;
      // The vehicle first: duplicate removal is per vehicle, whichever of tag and plate was read.
      const v = resolveVehicle(vehicles, r.tag, r.plate, r.class);
      const ref = dedup.offer(dedupState, v.key, r.tag, r.plate, tsMs, r.ts);
      if (!dedup.lastWasNew) {
        dups++;
        if (ref.stored) storedMerges.add(ref);
        continue;
      }
      const cls = v.vehicleClass;
      if (span === undefined || !(tsMs >= span.fromMs && tsMs < span.toMs)) {
        span = tariffs.span(tsMs);
        prices = span.tariff?.prices.get(gantry);
      }
      const tariff = span.tariff;
      const price = prices?.[cls];
      // A missing price is stated: no tariff, no rate for the class, no zone at a gantry the tariff's
      // network has (not charging), or a gantry its network does not know.
      const unpriced = price !== undefined ? null : !tariff ? "no_tariff" : prices ? "no_rate" : tariff.known?.has(gantry) ? "not_charging" : "not_in_tariff";
      plan.passages.push({
        ts: r.ts,
        tsMs,
        gantry,
        tag: r.tag,
        plate: r.plate,
        conf: r.conf,
        lane: r.lane,
        readClass: r.class,
        vehicleClass: cls,
        accountId: v.accountId,
        vehicleKey: v.key,
        identityConflict: v.conflict,
        tariffId: tariff ? tariff.id : null,
        price: price ?? null,
        unpriced,
        ref,
        rawReads: 1,
        batch,
      });
      plan.newRefs.push(ref);
      if (v.hotlist !== null) {
        plan.hotlistHits.push({
          ts: r.ts,
          gantry,
          tag: r.tag!,
          status: v.hotlist,
          plate: r.plate,
          ownerAccountId: vehicles.byTag(r.tag!)!.accountId,
          vehicleKey: v.key,
          batch,
        });
      }
      const bucketMs = tsMs - (((tsMs % FIVE_MIN) + FIVE_MIN) % FIVE_MIN);
      const row = counts.get(bucketMs + cls);
      if (row) row.volume++;
      else counts.set(bucketMs + cls, { bucketMs, gantry, direction, vehicleClass: cls, volume: 1 });
      const lane = r.lane ?? -1;
      let laneRow = lanes.get(bucketMs + lane);
      if (!laneRow) lanes.set(bucketMs + lane, (laneRow = { bucketMs, gantry, lane, passages: 0, plateOnly: 0, plateReads: 0, plateConfSum: 0 }));
      laneRow.passages++;
      if (r.tag === null) laneRow.plateOnly++;
      if (r.conf !== null) {
        laneRow.plateReads++;
        laneRow.plateConfSum += r.conf;
      }
    }
    return { accepted, dups, lastReadMs, errors };
  }
}
