import { describe, expect, test } from "bun:test";
import { RouterServer, type IncomingMessage } from "../zmq/index.ts";
import { GantryClient } from "./gantry-client.ts";

const text = new TextDecoder();

/** A stand-in server that acks TR1 batches, optionally ignoring the first copies it sees. */
async function ackServer(ignoreFirst: number) {
  const seen: { batch: number; gantry: string }[] = [];
  let ignored = 0;
  const server = await RouterServer.start({
    bind: "tcp://127.0.0.1:*",
    onMessages: (msgs: IncomingMessage[]) => {
      for (const m of msgs) {
        const h = JSON.parse(text.decode(m.frames[1])) as { batch: number; gantry: string };
        seen.push(h);
        if (ignored < ignoreFirst) {
          ignored++;
          server.done(m);
          continue;
        }
        const reads = (JSON.parse(text.decode(m.frames[2])) as unknown[]).length;
        server.reply(m, ["TR1", JSON.stringify({ batch: h.batch, status: "ok", accepted: reads, rejected: 0, errors: [] })]);
      }
    },
  });
  return { server, seen };
}

describe("GantryClient", () => {
  test("sends batches with several in flight and matches acks by batch number", async () => {
    const { server, seen } = await ackServer(0);
    const c = new GantryClient({ endpoint: server.endpoint, gantryId: "01F0017N", maxInFlight: 3 });
    const results = await Promise.all([1, 2, 3, 4, 5, 6, 7].map((b) => c.send(b, [{ tag: "E2801160", ts: new Date().toISOString(), class: 31 }])));
    expect(results.map((r) => r.reply.batch)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(results.every((r) => r.reply.status === "ok" && r.reply.accepted === 1 && r.attempts === 1)).toBe(true);
    expect(seen.every((h) => h.gantry === "01F0017N")).toBe(true);
    expect(c.nextBatchNo()).toBe(8);
    // A body already encoded goes as it is (the benchmark's gantries encode theirs once).
    const encoded = await c.send(
      8,
      new TextEncoder().encode('[{"tag":"E2801160","ts":"2026-11-26T08:00:00Z","class":31},{"plate":"AB-1234","ts":"2026-11-26T08:00:01Z","class":32}]'),
    );
    expect(encoded.reply).toMatchObject({ batch: 8, status: "ok", accepted: 2 });
    c.close();
    await server.close();
  });

  test("resends the same batch number after a timeout, then reconnects", async () => {
    const { server, seen } = await ackServer(3);
    const events: string[] = [];
    const c = new GantryClient({
      endpoint: server.endpoint,
      gantryId: "01F0017N",
      ackTimeoutMs: 150,
      reconnectAfterTimeouts: 2,
      onEvent: (e) => events.push(e.kind),
    });
    const r = await c.send(9, "[]");
    expect(r.reply.status).toBe("ok");
    expect(r.attempts).toBe(4);
    expect(seen.map((h) => h.batch)).toEqual([9, 9, 9, 9]);
    expect(events).toContain("resend");
    expect(events).toContain("reconnect");
    c.close();
    await server.close();
  });

  test("waits for the server to come up", async () => {
    const port = 10000 + Math.floor(Math.random() * 22000);
    const c = new GantryClient({ endpoint: `tcp://127.0.0.1:${port}`, gantryId: "01F0017N", ackTimeoutMs: 200 });
    const pending = c.send(1, "[]");
    await Bun.sleep(300);
    const seen: number[] = [];
    const server = await RouterServer.start({
      bind: `tcp://127.0.0.1:${port}`,
      onMessages: (msgs) => {
        for (const m of msgs) {
          seen.push(1);
          server.reply(m, ["TR1", JSON.stringify({ batch: 1, status: "duplicate", accepted: 0, rejected: 0, errors: [] })]);
        }
      },
    });
    const r = await pending;
    expect(r.reply.status).toBe("duplicate");
    expect(seen.length).toBeGreaterThanOrEqual(1);
    c.close();
    await server.close();
  });

  test("fails over to the next endpoint when one stops answering: every batch acked, each stored once", async () => {
    // Two stand-in ingests sharing one "ingest_batches" (batch -> times stored): A stores and acks
    // batches 1-10, stores 11-12 without acking (its replies lost), ignores the rest and closes on
    // seeing 12; B stores what is new and answers "duplicate" for what is stored.
    const stored = new Map<number, number>();
    const onB: number[] = [];
    let aClosed: Promise<void> | undefined;
    const store = (batch: number) => {
      const before = stored.get(batch) ?? 0;
      if (!before) stored.set(batch, 1);
      return before ? "duplicate" : "ok";
    };
    const reply = (server: RouterServer, m: IncomingMessage, batch: number, status: string) =>
      server.reply(m, ["TR1", JSON.stringify({ batch, status, accepted: 0, rejected: 0, errors: [] })]);
    const a: RouterServer = await RouterServer.start({
      bind: "tcp://127.0.0.1:*",
      onMessages: (msgs) => {
        for (const m of msgs) {
          const { batch } = JSON.parse(text.decode(m.frames[1])) as { batch: number };
          if (aClosed || batch > 12) {
            a.done(m);
            continue;
          }
          const status = store(batch);
          if (batch <= 10) reply(a, m, batch, status);
          else a.done(m);
          if (batch === 12) aClosed = a.close();
        }
      },
    });
    const b: RouterServer = await RouterServer.start({
      bind: "tcp://127.0.0.1:*",
      onMessages: (msgs) => {
        for (const m of msgs) {
          const { batch } = JSON.parse(text.decode(m.frames[1])) as { batch: number };
          onB.push(batch);
          reply(b, m, batch, store(batch));
        }
      },
    });
    const events: string[] = [];
    const c = new GantryClient({
      endpoints: [a.endpoint, b.endpoint],
      gantryId: "01F0017N",
      maxInFlight: 4,
      ackTimeoutMs: 300,
      reconnectAfterTimeouts: 2,
      onEvent: (e) => events.push(e.kind === "failover" ? `failover ${e.endpoint}` : e.kind),
    });
    expect(c.endpoint).toBe(a.endpoint);
    const results = new Map<number, string>();
    const sends: Promise<void>[] = [];
    for (let n = 1; n <= 40; n++) sends.push(c.send(n, "[]").then((r) => void results.set(n, r.reply.status)));
    await Promise.all(sends);
    expect(aClosed).toBeDefined();
    await aClosed;
    expect(c.endpoint).toBe(b.endpoint);
    // Once, or (a loaded machine answering late) back and forth, ending on B.
    expect(c.stats.failovers % 2).toBe(1);
    expect(events).toContain(`failover ${b.endpoint}`);
    // Every batch acked once, stored once; the two whose acks A lost are duplicates on B.
    expect([...results.keys()].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect([...stored.values()].every((n) => n === 1)).toBe(true);
    expect(stored.size).toBe(40);
    // (Acks A had queued when it closed may be lost too: 9 and 10 can be duplicates as well.)
    expect(results.get(11)).toBe("duplicate");
    expect(results.get(12)).toBe("duplicate");
    for (let n = 13; n <= 40; n++) expect(results.get(n)).toBe("ok");
    // B got every batch from the first one whose ack did not arrive on, in send order.
    const first = onB[0]!;
    expect(first).toBeLessThanOrEqual(11);
    expect(onB.slice(0, 4)).toEqual([first, first + 1, first + 2, first + 3]);
    c.close();
    await b.close();
  });

  test("takes endpoint or endpoints, and needs one", () => {
    expect(() => new GantryClient({ gantryId: "01F0017N" })).toThrow("needs an endpoint");
    const c = new GantryClient({ endpoint: "tcp://127.0.0.1:1", gantryId: "01F0017N" });
    expect(c.endpoint).toBe("tcp://127.0.0.1:1");
    c.close();
  });

  test("refuses bad batch numbers and bodies over the TR1 limit", async () => {
    const c = new GantryClient({ endpoint: "tcp://127.0.0.1:1", gantryId: "01F0017N" });
    await expect(c.send(0, "[]")).rejects.toThrow("positive integer");
    // 1 MiB of UTF-8, counted in bytes (each "é" is two).
    await expect(c.send(1, `["${"é".repeat(512 * 1024)}"]`)).rejects.toThrow("over the TR1 limit of 1048576");
    await expect(c.send(2, new Uint8Array(1024 * 1024 + 1))).rejects.toThrow("over the TR1 limit");
    expect(c.inFlight).toBe(0);
    c.close();
  });
});
