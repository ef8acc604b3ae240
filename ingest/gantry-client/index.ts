/**
 * A TR1 gantry client (DEALER, Lazy Pirate): used by the simulator, the tests and the benchmark.
 *
 *   const client = new GantryClient({ endpoint: "tcp://127.0.0.1:5555", gantryId: "01F0017N",
 *     // or endpoints: ["tcp://ingest-a:5555", "tcp://ingest-b:5555"] (failover to the next),
 *     curve?: { serverKey, publicKey, secretKey }, maxInFlight: 4, ackTimeoutMs: 3000 });
 *   const { reply, attempts, latencyMs } = await client.send(batchNo, readsOrJsonArrayString);
 *   // reply.status: "ok" | "duplicate" (committed before: also success) | "rejected"
 *   client.close();
 *
 * send() waits while maxInFlight batches are unacknowledged, resends the same batch number on
 * timeout, and reopens the socket after repeated timeouts (on the next endpoint, if several). The caller owns batch numbering
 * (strictly increasing per gantry) and durability (the simulator's outbox). Pass a shared
 * `context`/`reactor` when running many gantries in one process.
 */
export { GantryClient } from "./gantry-client.ts";
export type { BatchResult, GantryClientOptions } from "./gantry-client.ts";
export type { Tr1Read, Tr1Reply, Tr1Header, AckStatus } from "../protocol/tr1.ts";
