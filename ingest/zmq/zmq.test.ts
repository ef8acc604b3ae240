import { afterAll, describe, expect, test } from "bun:test";
import { Context, Dealer, Reactor, RouterServer, ZMQ, curveKeypair, curvePublicKey, z85Decode, z85Encode, type IncomingMessage } from "./index.ts";

const text = new TextDecoder();
const ctx = Context.create();
const reactor = new Reactor();
afterAll(() => {
  reactor.stop();
  ctx.term();
});

function nextMessage(queue: Uint8Array[][], timeoutMs = 3000): Promise<Uint8Array[]> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = () => {
      const m = queue.shift();
      if (m) return resolve(m);
      if (Date.now() - started > timeoutMs) return reject(new Error("no message"));
      setTimeout(check, 2);
    };
    check();
  });
}

async function echoServer(opts: { curveSecretKey?: string; keys?: Map<string, string>; maxInFlight?: number } = {}) {
  const received: IncomingMessage[] = [];
  const server = await RouterServer.start({
    bind: "tcp://127.0.0.1:*",
    ...opts,
    onMessages: (msgs) => {
      for (const m of msgs) {
        received.push(m);
        server.reply(m, ["echo", ...m.frames, m.userId ?? "-"]);
      }
    },
  });
  return { server, received };
}

describe("z85 and CURVE keys", () => {
  test("z85 matches the RFC 32 test vector and round-trips", () => {
    const bytes = new Uint8Array([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
    expect(z85Encode(bytes)).toBe("HelloWorld");
    expect([...z85Decode("HelloWorld")]).toEqual([...bytes]);
    const random = crypto.getRandomValues(new Uint8Array(32));
    expect([...z85Decode(z85Encode(random))]).toEqual([...random]);
  });
  test("keypair gives 40-character keys, and the public key derives from the secret", () => {
    const k = curveKeypair();
    expect(k.publicKey).toHaveLength(40);
    expect(k.secretKey).toHaveLength(40);
    expect(curvePublicKey(k.secretKey)).toBe(k.publicKey);
    expect(curveKeypair().publicKey).not.toBe(k.publicKey);
  });
  test("bad z85 is refused", () => {
    expect(() => z85Decode("abc")).toThrow();
    expect(() => z85Encode(new Uint8Array(3))).toThrow();
  });
});

describe("sockets", () => {
  test("socket options round-trip", () => {
    const s = ctx.socket("DEALER");
    s.setInt(ZMQ.SNDHWM, 1234);
    expect(s.getInt(ZMQ.SNDHWM)).toBe(1234);
    s.setInt64(ZMQ.MAXMSGSIZE, 5 << 20);
    expect(s.getInt64(ZMQ.MAXMSGSIZE)).toBe(5 << 20);
    s.setBytes(ZMQ.ROUTING_ID, "gantry-1");
    expect(text.decode(s.getBytes(ZMQ.ROUTING_ID))).toBe("gantry-1");
    s.close();
  });

  test("multipart round trip through the ROUTER worker, large frames not truncated, empty frames kept", async () => {
    const { server } = await echoServer();
    const replies: Uint8Array[][] = [];
    const d = new Dealer(ctx, reactor, { endpoint: server.endpoint }, (f) => replies.push(f));
    const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
    while (!d.send(["TR1", "", big])) await Bun.sleep(5);
    const r = await nextMessage(replies);
    expect(r.length).toBe(5);
    expect(text.decode(r[0])).toBe("echo");
    expect(text.decode(r[1])).toBe("TR1");
    expect(r[2]!.length).toBe(0);
    expect(r[3]!.length).toBe(big.length);
    expect(r[3]![big.length - 1]).toBe(big[big.length - 1]!);
    expect(Bun.hash(r[3]!)).toBe(Bun.hash(big));
    d.close();
    await server.close();
  });

  test("many messages from several dealers all come back to their sender", async () => {
    const { server, received } = await echoServer();
    const dealers = [0, 1, 2].map((n) => {
      const got: string[] = [];
      const d = new Dealer(ctx, reactor, { endpoint: server.endpoint }, (f) => got.push(text.decode(f[1])));
      return { n, d, got };
    });
    for (const x of dealers) while (!x.d.send([`${x.n}:0`])) await Bun.sleep(5);
    for (const x of dealers) for (let i = 1; i < 500; i++) expect(x.d.send([`${x.n}:${i}`])).toBe(true);
    const deadline = Date.now() + 5000;
    while (dealers.some((x) => x.got.length < 500) && Date.now() < deadline) await Bun.sleep(10);
    for (const x of dealers) {
      expect(x.got.length).toBe(500);
      expect(x.got.every((g) => g.startsWith(`${x.n}:`))).toBe(true);
    }
    expect(received.length).toBe(1500);
    for (const x of dealers) x.d.close();
    await server.close();
  });

  test("reading pauses at the in-flight bound and resumes when messages are answered", async () => {
    const held: IncomingMessage[] = [];
    const server = await RouterServer.start({ bind: "tcp://127.0.0.1:*", maxInFlight: 3, onMessages: (m) => held.push(...m) });
    const replies: Uint8Array[][] = [];
    const d = new Dealer(ctx, reactor, { endpoint: server.endpoint }, (f) => replies.push(f));
    while (!d.send(["0"])) await Bun.sleep(5);
    for (let i = 1; i < 10; i++) d.send([String(i)]);
    await Bun.sleep(300);
    expect(held.length).toBe(3);
    for (const m of held.splice(0)) server.reply(m, ["ok"]);
    await Bun.sleep(300);
    expect(held.length).toBe(3);
    expect(replies.length).toBe(3);
    d.close();
    await server.close();
  });

  test("reading pauses at the in-flight byte budget too, and resumes as messages are answered", async () => {
    const held: IncomingMessage[] = [];
    const server = await RouterServer.start({ bind: "tcp://127.0.0.1:*", maxInFlight: 100, maxInFlightBytes: 250_000, onMessages: (m) => held.push(...m) });
    const replies: Uint8Array[][] = [];
    const d = new Dealer(ctx, reactor, { endpoint: server.endpoint }, (f) => replies.push(f));
    const frame = new Uint8Array(100_000);
    while (!d.send(["0", frame])) await Bun.sleep(5);
    for (let i = 1; i < 6; i++) d.send([String(i), frame]);
    await Bun.sleep(300);
    // Reading stops once 250 000 bytes are held: the third message crosses the budget.
    expect(held.length).toBe(3);
    expect(held.every((m) => m.bytes === 100_001)).toBe(true);
    for (const m of held.splice(0, 2)) server.reply(m, ["ok"]);
    await Bun.sleep(300);
    expect(held.length).toBe(3);
    for (const m of held.splice(0)) server.done(m);
    await Bun.sleep(300);
    expect(held.length).toBe(1);
    d.close();
    await server.close();
  });

  test("frames beyond maxFrames are released unread and only counted; frames over maxMessageBytes drop the connection", async () => {
    const received: IncomingMessage[] = [];
    const server = await RouterServer.start({
      bind: "tcp://127.0.0.1:*",
      maxFrames: 3,
      maxMessageBytes: 1000,
      onMessages: (msgs) => {
        for (const m of msgs) {
          received.push(m);
          server.reply(m, ["ok", String(m.frameCount)]);
        }
      },
    });
    const replies: Uint8Array[][] = [];
    const d = new Dealer(ctx, reactor, { endpoint: server.endpoint }, (f) => replies.push(f));
    while (!d.send(["a", "b", "c", "d", new Uint8Array(1000)])) await Bun.sleep(5);
    const r = await nextMessage(replies);
    expect(text.decode(r[1])).toBe("5");
    expect(received[0]!.frames.map((f) => text.decode(f))).toEqual(["a", "b", "c"]);
    expect(received[0]!.bytes).toBe(3);
    // One byte over: libzmq closes the connection; nothing reaches the server.
    d.send(["x", new Uint8Array(1001)]);
    await Bun.sleep(300);
    expect(received.length).toBe(1);
    d.close();
    await server.close();
  });

  test("answering a message while the server closes never blocks the event loop", () => {
    // The race a test run hung on: close() has told the worker to quit and the worker has closed its
    // end, but a message it handed over earlier is answered before its "stopped" arrives. In a child
    // process, so that a blocked thread fails this test instead of hanging the run.
    const script = `
      import { RouterServer } from ${JSON.stringify(new URL("./index.ts", import.meta.url).pathname)};
      const server = await RouterServer.start({ bind: "tcp://127.0.0.1:*", onMessages: () => {} });
      const closing = server.close();
      Bun.sleepSync(300);
      const late = { id: new Uint8Array([1]), frames: [], frameCount: 0, bytes: 0, userId: undefined };
      server.done(late);
      server.reply(late, ["TR1", "{}"]);
      await closing;
      server.done(late);
      console.log("answered");`;
    const child = Bun.spawnSync([process.execPath, "-e", script], { timeout: 20_000, stderr: "pipe" });
    expect(child.stderr.toString()).toBe("");
    expect(child.stdout.toString().trim()).toBe("answered");
    expect(child.exitCode).toBe(0);
  }, 30_000);
});

describe("CURVE with a ZAP handler", () => {
  test("a registered key connects and its user id reaches the server; an unknown key cannot connect", async () => {
    const serverKeys = curveKeypair();
    const good = curveKeypair();
    const bad = curveKeypair();
    const zapLog: boolean[] = [];
    const received: IncomingMessage[] = [];
    const server = await RouterServer.start({
      bind: "tcp://127.0.0.1:*",
      curveSecretKey: serverKeys.secretKey,
      keys: new Map([[good.publicKey, "01F0017N"]]),
      onZap: (ok) => zapLog.push(ok),
      onMessages: (msgs) => {
        for (const m of msgs) {
          received.push(m);
          server.reply(m, ["hello", m.userId ?? "-"]);
        }
      },
    });
    const replies: Uint8Array[][] = [];
    const ok = new Dealer(ctx, reactor, { endpoint: server.endpoint, curve: { serverKey: serverKeys.publicKey, ...good } }, (f) => replies.push(f));
    while (!ok.send(["hi"])) await Bun.sleep(5);
    const r = await nextMessage(replies);
    expect(text.decode(r[1])).toBe("01F0017N");
    expect(received[0]!.userId).toBe("01F0017N");

    const badReplies: Uint8Array[][] = [];
    const intruder = new Dealer(ctx, reactor, { endpoint: server.endpoint, curve: { serverKey: serverKeys.publicKey, ...bad } }, (f) => badReplies.push(f));
    const until = Date.now() + 700;
    while (Date.now() < until) {
      intruder.send(["let me in"]);
      await Bun.sleep(20);
    }
    expect(badReplies.length).toBe(0);
    expect(received.length).toBe(1);
    expect(zapLog).toContain(false);

    // Keys can be replaced at run time: now the former intruder is let in.
    server.setKeys(new Map([[bad.publicKey, "01F0029S"]]));
    const late = new Dealer(ctx, reactor, { endpoint: server.endpoint, curve: { serverKey: serverKeys.publicKey, ...bad } }, (f) => badReplies.push(f));
    const until2 = Date.now() + 3000;
    while (Date.now() < until2 && !late.send(["now?"])) await Bun.sleep(20);
    const r2 = await nextMessage(badReplies);
    expect(text.decode(r2[1])).toBe("01F0029S");
    ok.close();
    intruder.close();
    late.close();
    await server.close();
  });
});
