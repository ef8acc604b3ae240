/** One read as a gantry sends it in a TR1 body (malformed reads deliberately break these rules). */
export interface WireRead {
  tag?: string;
  plate?: string;
  ts: string;
  lane: number;
  class: number;
  conf?: number;
}

export type MalformedKind = "bad_tag" | "bad_class" | "no_id" | "bad_ts";
export const MALFORMED_KINDS: readonly MalformedKind[] = ["bad_tag", "bad_class", "no_id", "bad_ts"];

export interface SimulatedRead {
  gantryId: string;
  read: WireRead;
  /** Simulated time of the read (for bad_ts reads: when it was "sent", the read's ts is garbage). */
  tsMs: number;
  /** passage: the first read of a vehicle at a gantry; duplicate: an extra antenna read of it. */
  kind: "passage" | "duplicate" | "malformed";
  malformed?: MalformedKind;
}
