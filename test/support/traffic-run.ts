import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "../../core/db/database.ts";
import { loadGantries } from "../../core/seed/network-data.ts";
import { Outbox } from "../../ingest/simulator/outbox.ts";
import { Simulator } from "../../ingest/simulator/simulator.ts";
import type { TrafficModel } from "../../ingest/simulator/traffic-model.ts";
import { startIngest } from "./ingest.ts";

/** Gantries of freeway 1, km 0-60, both directions: the stretch the control tests drive. */
export function freeway1Km0To60(): string[] {
  return loadGantries()
    .filter((g) => g.freeway === "01F" && g.km <= 60)
    .map((g) => g.id);
}

/**
 * Streams every read of a traffic model through a real ingest (TR1 over ZeroMQ) into `db`, as fast
 * as acks allow, and returns once all batches are acked. Throws if any batch stayed unacked.
 */
export async function streamThroughIngest(db: Database, model: TrafficModel, simStartMs: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "tollway-traffic-run-"));
  const ingest = await startIngest(db);
  try {
    const sim = new Simulator({
      endpoint: ingest.endpoint,
      reads: model.reads(),
      simStartMs,
      outbox: new Outbox(join(dir, "outbox"), { fsync: false }),
      acceleration: Number.POSITIVE_INFINITY,
      maxBatchReads: 500,
    });
    const summary = await sim.run();
    if (summary.unackedBatches !== 0) throw new Error(`${summary.unackedBatches} batches were never acked`);
  } finally {
    await ingest.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
