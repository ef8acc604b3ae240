import type { UnpricedReason } from "../../core/tariff/tariff.ts";
import type { Tr1Reply } from "../protocol/tr1.ts";
import type { IncomingMessage } from "../zmq/index.ts";
import type { PassageRef } from "./antenna-dedup.ts";

/**
 * What GroupBuilder makes of one group of gantry messages and plan-writer writes in one
 * transaction: the rows of every table, and the replies that go out after it commits.
 */

export interface PassageRow {
  ts: string;
  /** ts in milliseconds (parseIsoTime). */
  tsMs: number;
  gantry: string;
  tag: string | null;
  plate: string | null;
  conf: number | null;
  lane: number | null;
  readClass: number;
  vehicleClass: number;
  accountId: number | null;
  /** The resolved vehicle (vehicle-identity.ts). */
  vehicleKey: string;
  /** A registered tag read with the plate of another vehicle: kept for review. */
  identityConflict: boolean;
  tariffId: number | null;
  price: number | null;
  /** Why price is null (sql/651); null when priced. */
  unpriced: UnpricedReason | null;
  ref: PassageRef;
  /** Fixed from ref when the plan is complete. */
  rawReads: number;
  batch: number;
}

export interface DeadLetterRow {
  gantry: string | null;
  batch: number | null;
  readIndex: number | null;
  reason: string;
  /** The read as JSON text, for the jsonb column; null when jsonb cannot hold it (then payloadText). */
  payload: string | null;
  /** The read as JSON text when jsonb would refuse it (sql/600). */
  payloadText: string | null;
  raw: Uint8Array | null;
}

export interface BatchRow {
  gantry: string;
  batch: number;
  sent: string;
  reads: number;
  accepted: number;
  rejected: number;
  antennaDuplicates: number;
}

export interface GantryStatusRow {
  gantry: string;
  lastBatch: number;
  lastReadMs: number | null;
}

export interface CountRow {
  bucketMs: number;
  gantry: string;
  direction: string;
  vehicleClass: number;
  volume: number;
}

/** Per gantry, lane (-1: none given) and 5-min bucket: what the gantry dashboard shows. */
export interface LaneCountRow {
  bucketMs: number;
  gantry: string;
  lane: number;
  passages: number;
  plateOnly: number;
  plateReads: number;
  plateConfSum: number;
}

/** A passage of a blocked, lost or stolen tag (sql/662). */
export interface HotlistHitRow {
  ts: string;
  gantry: string;
  tag: string;
  status: string;
  plate: string | null;
  ownerAccountId: number;
  vehicleKey: string;
  batch: number;
}

export interface GroupPlan {
  replies: { to: IncomingMessage; reply: Tr1Reply }[];
  batches: BatchRow[];
  passages: PassageRow[];
  /** Stored passages that this group merged more antenna reads into. */
  storedMerges: PassageRef[];
  hotlistHits: HotlistHitRow[];
  counts: CountRow[];
  laneCounts: LaneCountRow[];
  deadLetters: DeadLetterRow[];
  gantryStatus: GantryStatusRow[];
  /**
   * Every gantry whose batches this group stores, sorted: the version of ingest_gantry_versions its
   * antenna memory was built on (sql/610), or null when no read of it used that memory.
   */
  claims: { gantry: string; expect: number | null }[];
  /** Passage refs created by this group. */
  newRefs: PassageRef[];
  /** Binary COPY of the passages, fixed when the plan is built (later merges go to storedMerges of later groups). */
  passageCopy: Uint8Array[];
  /** (gantry#batch) -> counts, for the duplicate check of groups built while this one commits. */
  batchKeys: Map<string, { accepted: number; rejected: number }>;
  stats: {
    reads: number;
    acceptedReads: number;
    rejectedReads: number;
    antennaDuplicates: number;
    batches: number;
    rejectedBatches: number;
    duplicates: number;
    rejectReasons: Map<string, number>;
  };
}

/** A plan with nothing in it: the builder fills one, and tests that write a hand-made plan start from it. */
export function emptyGroupPlan(): GroupPlan {
  return {
    replies: [],
    batches: [],
    passages: [],
    storedMerges: [],
    hotlistHits: [],
    counts: [],
    laneCounts: [],
    deadLetters: [],
    gantryStatus: [],
    claims: [],
    newRefs: [],
    passageCopy: [],
    batchKeys: new Map(),
    stats: { reads: 0, acceptedReads: 0, rejectedReads: 0, antennaDuplicates: 0, batches: 0, rejectedBatches: 0, duplicates: 0, rejectReasons: new Map() },
  };
}
