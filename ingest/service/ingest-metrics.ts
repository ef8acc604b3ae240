import type { Registry } from "../metrics/prometheus.ts";

/** The ingest's Prometheus series (served on /metrics; the stats rows are computed from them too). */
export function ingestMetrics(registry: Registry) {
  return {
    reads: registry.counter("tollway_ingest_reads_total", "Reads received in committed batches, by result"),
    passages: registry.counter("tollway_ingest_passages_total", "Passages stored"),
    batches: registry.counter("tollway_ingest_batches_total", "Gantry messages answered, by status"),
    rejects: registry.counter("tollway_ingest_rejects_total", "Rejected messages and reads, by reason"),
    commit: registry.histogram(
      "tollway_ingest_commit_seconds",
      "Time to build and commit one group transaction",
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ),
    groupSize: registry.histogram("tollway_ingest_group_messages", "Gantry messages per transaction", [1, 2, 5, 10, 20, 50, 100, 200]),
    retries: registry.counter("tollway_ingest_db_retries_total", "Group transactions retried after a database error"),
    unstored: registry.counter(
      "tollway_ingest_unstored_total",
      "Messages left unacknowledged because storing them failed for a reason other than the database being away (the gantry resends them)",
    ),
    hotlistHits: registry.counter("tollway_ingest_hotlist_hits_total", "Passages of blocked, lost or stolen tags (not charged to their owner)"),
    gantryMoves: registry.counter(
      "tollway_ingest_gantry_moves_total",
      "Group transactions rolled back and rebuilt because another ingest instance wrote one of their gantries meanwhile",
    ),
    zap: registry.counter("tollway_ingest_zap_total", "CURVE connection attempts, by result"),
    revokedMessages: registry.counter("tollway_ingest_revoked_key_messages_total", "Messages dropped unanswered because their CURVE key was revoked"),
    sessionCuts: registry.counter("tollway_ingest_session_cuts_total", "Times every gantry session was cut because a connected key was revoked"),
  };
}

export type IngestMetrics = ReturnType<typeof ingestMetrics>;
