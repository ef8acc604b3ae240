import { ZMQ } from "./ffi.ts";
import type { FromWorker, RouterWorkerInit, WireMessage } from "./router-protocol.ts";
import { CTRL_DONE, CTRL_KEYS, CTRL_QUIT, CTRL_REPLY, CTRL_STOP_READING } from "./router-protocol.ts";
import { Context, PollSet, type Socket } from "./socket.ts";
import { answerZapRequest, ZAP_ENDPOINT } from "./zap.ts";

/**
 * The thread that owns the ROUTER (and the ZAP handler): blocking zmq_poll, groups of received
 * messages posted to the main thread, replies coming back over an inproc PULL socket. Reading stops
 * while `maxInFlight` messages, or `maxInFlightBytes` of their frames, await their reply, so a slow
 * database (or a stream of junk) holds gantries back instead of filling memory.
 */
declare const self: Worker;

const post = (m: FromWorker, transfer?: ArrayBuffer[]) => (transfer ? self.postMessage(m, transfer) : self.postMessage(m));
const text = new TextDecoder();

function run(init: RouterWorkerInit): void {
  const ctx = Context.fromHandle(init.contextHandle);
  let zap: Socket | undefined;
  let keys = new Map(init.keys);
  const control = ctx.socket("PULL");
  control.setInt(ZMQ.RCVHWM, 0);
  control.bind(init.controlEndpoint);
  if (init.curveSecretKey) {
    zap = ctx.socket("REP");
    zap.bind(ZAP_ENDPOINT);
  }
  const openRouter = (endpoint: string): Socket => {
    const r = ctx.socket("ROUTER");
    r.setInt(ZMQ.SNDHWM, 0);
    // Per connection: what libzmq holds while reading is paused (then TCP holds the sender back).
    r.setInt(ZMQ.RCVHWM, init.receiveHwm);
    r.setInt64(ZMQ.MAXMSGSIZE, init.maxMessageBytes);
    r.setInt(ZMQ.LINGER, 2000);
    if (init.curveSecretKey) {
      r.setInt(ZMQ.CURVE_SERVER, 1);
      r.setBytes(ZMQ.CURVE_SECRETKEY, init.curveSecretKey);
      r.setBytes(ZMQ.ZAP_DOMAIN, "tollway");
    }
    try {
      r.bind(endpoint);
    } catch (e) {
      // A socket left open would make the context's term wait for ever.
      r.close();
      throw e;
    }
    return r;
  };
  let router = openRouter(init.bind);
  // The resolved address (a port 0 bind has its port now): a re-bind takes the same one.
  const endpoint = router.lastEndpoint();
  post({ type: "ready", endpoint });

  const base = zap ? [control, zap] : [control];
  let reading = new PollSet([...base, router]);
  const paused = new PollSet(base);
  let inFlight = 0;
  let inFlightBytes = 0;
  let stopReading = false;
  let quit = false;
  let refused = 0;
  const lookup = (k: string) => keys.get(k);
  // Keys that passed ZAP since the socket was bound: the ones with a session that may still be open.
  let admitted = new Set<string>();

  /**
   * libzmq cannot drop one peer of a ROUTER, and ZAP is asked only at the handshake: when a key with
   * a session is revoked (or moved to another gantry), the socket is closed and bound again. Every
   * session is cut; gantries with a valid key reconnect at once (their unanswered batches are resent
   * and stored once, by batch number), the revoked one fails its handshake.
   */
  const cutSessions = (reason: string): void => {
    router.close();
    for (let attempt = 1; ; attempt++) {
      try {
        router = openRouter(endpoint);
        break;
      } catch (e) {
        // The old listener closes on libzmq's I/O thread; its port is free a moment later.
        if (attempt >= 250) throw e;
        Bun.sleepSync(20);
      }
    }
    reading = new PollSet([...base, router]);
    const cut = admitted.size;
    admitted = new Set();
    post({ type: "sessions-cut", reason, sessions: cut });
  };

  while (!quit) {
    const canRead = !stopReading && inFlight < init.maxInFlight && inFlightBytes < init.maxInFlightBytes;
    const ready = (canRead ? reading : paused).poll(init.pollMs);
    if (ready[0]) {
      for (;;) {
        const m = control.recv({ dontWait: true });
        if (!m) break;
        const kind = text.decode(m.frames[0]);
        if (kind === CTRL_REPLY) {
          inFlight--;
          inFlightBytes -= Number(text.decode(m.frames[1]));
          router.send(m.frames.slice(2), { dontWait: true });
        } else if (kind === CTRL_DONE) {
          inFlight--;
          inFlightBytes -= Number(text.decode(m.frames[1]));
        } else if (kind === CTRL_KEYS) {
          const next = new Map(JSON.parse(text.decode(m.frames[1])) as [string, string][]);
          const gone = [...admitted].filter((k) => next.get(k) !== keys.get(k));
          keys = next;
          if (gone.length) cutSessions(`${gone.length} connected key(s) revoked or moved: ${gone.map((k) => k.slice(0, 8)).join(", ")}`);
        } else if (kind === CTRL_STOP_READING) stopReading = true;
        else if (kind === CTRL_QUIT) quit = true;
      }
    }
    if (zap && ready[1]) {
      for (;;) {
        const d = answerZapRequest(zap, lookup);
        if (!d) break;
        if (d.allowed && d.publicKey) admitted.add(d.publicKey);
        if (d.mechanism === "CURVE") post({ type: "zap", allowed: d.allowed, userId: d.userId });
      }
    }
    if (canRead && ready[base.length]) {
      const group: WireMessage[] = [];
      // Frames are moved, not copied, to the main thread: no second copy, no garbage left here.
      const transfer: ArrayBuffer[] = [];
      let bytes = 0;
      while (group.length < init.maxGroupMessages && bytes < init.maxGroupBytes && inFlight < init.maxInFlight && inFlightBytes < init.maxInFlightBytes) {
        // +1: the routing id comes first.
        const m = router.recv({ dontWait: true, userId: !!zap, maxFrames: init.maxFrames + 1 });
        if (!m) break;
        const id = m.frames.shift()!;
        // With CURVE the User-Id is the peer's key: a key no longer in force writes nothing (not even
        // a reply: the gantry keeps the batch for when it has a valid key).
        let userId = m.userId;
        if (zap) {
          userId = m.userId === undefined ? undefined : keys.get(m.userId);
          if (userId === undefined) {
            refused++;
            continue;
          }
        }
        let held = 0;
        for (const f of m.frames) {
          held += f.length;
          if (f.byteLength) transfer.push(f.buffer as ArrayBuffer);
        }
        bytes += held;
        group.push({ id, frames: m.frames, frameCount: m.frameCount - 1, bytes: held, userId });
        inFlight++;
        inFlightBytes += held;
      }
      if (group.length) post({ type: "messages", messages: group }, transfer);
      if (refused) {
        post({ type: "refused", messages: refused });
        refused = 0;
      }
    }
  }
  router.close();
  control.close();
  zap?.close();
  post({ type: "stopped" });
}

self.onmessage = (ev: MessageEvent<RouterWorkerInit>) => {
  try {
    run(ev.data);
  } catch (e) {
    post({ type: "error", message: e instanceof Error ? e.message : String(e) });
  }
};
