import { TollwayError } from "../../core/errors/tollway-error.ts";
import { ZMQ } from "./ffi.ts";
import type { FromWorker, RouterWorkerInit, WireMessage } from "./router-protocol.ts";
import { CTRL_DONE, CTRL_KEYS, CTRL_QUIT, CTRL_REPLY, CTRL_STOP_READING } from "./router-protocol.ts";
import { Context, type Frame, type Socket } from "./socket.ts";

export type IncomingMessage = WireMessage;

export interface RouterServerOptions {
  bind: string;
  /** CURVE server secret key (Z85). When set, a ZAP handler is bound first and only `keys` may connect. */
  curveSecretKey?: string;
  /** Z85 public key -> user id (gantry id). */
  keys?: ReadonlyMap<string, string>;
  /** Messages handed over but not yet answered; reading pauses at this bound (default 256). */
  maxInFlight?: number;
  /** Bytes of their frames; reading pauses at this bound too (default 64 MiB). */
  maxInFlightBytes?: number;
  /** Frames kept of a message; more are released unread and only counted (default: all). */
  maxFrames?: number;
  /** ZMQ_RCVHWM: messages libzmq queues per connection while reading is paused (default 1000). */
  receiveHwm?: number;
  maxGroupMessages?: number;
  maxGroupBytes?: number;
  /** Largest frame libzmq accepts at all (ZMQ_MAXMSGSIZE, default 16 MiB); a bigger one drops the connection. */
  maxMessageBytes?: number;
  onMessages: (messages: IncomingMessage[]) => void;
  onZap?: (allowed: boolean, userId: string | undefined) => void;
  /** Messages dropped because their CURVE key is no longer in force. */
  onRefused?: (messages: number) => void;
  /** All sessions were cut (the socket bound again) because keys with a session were revoked. */
  onSessionsCut?: (reason: string, sessions: number) => void;
  onError?: (message: string) => void;
}

/**
 * A ROUTER socket served by a Worker, so socket I/O never blocks the event loop. Every message
 * handed to `onMessages` must be answered exactly once with `reply` or `done`: that is how the
 * in-flight bounds (back-pressure) are kept.
 */
export class RouterServer {
  private stopped: Promise<void> | undefined;
  private resolveStopped: () => void = () => undefined;
  private workerStopped = false;
  private closing = false;

  private constructor(
    private readonly ctx: Context,
    private readonly control: Socket,
    private readonly worker: Worker,
    readonly endpoint: string,
    private readonly onError: ((message: string) => void) | undefined,
  ) {}

  static async start(opts: RouterServerOptions): Promise<RouterServer> {
    const ctx = Context.create();
    const controlEndpoint = `inproc://tollway-router-control-${crypto.randomUUID()}`;
    const control = ctx.socket("PUSH");
    control.setInt(ZMQ.SNDHWM, 0);
    control.connect(controlEndpoint);
    const worker = new Worker(new URL("./router-worker.ts", import.meta.url).href);
    let server: RouterServer | undefined;
    const ready = new Promise<string>((resolve, reject) => {
      worker.onmessage = (ev: MessageEvent<FromWorker>) => {
        const m = ev.data;
        switch (m.type) {
          case "messages":
            opts.onMessages(m.messages);
            break;
          case "ready":
            resolve(m.endpoint);
            break;
          case "zap":
            opts.onZap?.(m.allowed, m.userId);
            break;
          case "refused":
            opts.onRefused?.(m.messages);
            break;
          case "sessions-cut":
            opts.onSessionsCut?.(m.reason, m.sessions);
            break;
          case "error":
            if (!server) reject(new TollwayError("config", `ROUTER ${opts.bind}: ${m.message}`));
            else opts.onError?.(m.message);
            server?.resolveStopped();
            break;
          case "stopped":
            if (server) server.workerStopped = true;
            server?.resolveStopped();
            break;
        }
      };
      worker.onerror = (ev) => {
        const message = (ev as ErrorEvent).message ?? "router worker failed";
        if (!server) reject(new TollwayError("internal", message));
        else opts.onError?.(message);
      };
    });
    const init: RouterWorkerInit = {
      type: "init",
      contextHandle: ctx.handle as unknown as number,
      bind: opts.bind,
      controlEndpoint,
      curveSecretKey: opts.curveSecretKey,
      keys: [...(opts.keys ?? new Map()).entries()],
      maxInFlight: opts.maxInFlight ?? 256,
      maxInFlightBytes: opts.maxInFlightBytes ?? 64 << 20,
      maxFrames: opts.maxFrames ?? 0x7fffffff,
      receiveHwm: opts.receiveHwm ?? 1000,
      maxGroupMessages: opts.maxGroupMessages ?? 64,
      maxGroupBytes: opts.maxGroupBytes ?? 8 << 20,
      pollMs: 100,
      maxMessageBytes: opts.maxMessageBytes ?? 16 << 20,
    };
    worker.postMessage(init);
    try {
      const endpoint = await ready;
      server = new RouterServer(ctx, control, worker, endpoint, opts.onError);
      return server;
    } catch (e) {
      worker.terminate();
      control.close();
      ctx.term();
      throw e;
    }
  }

  /** Sends the reply frames to the peer of an incoming message. */
  reply(to: IncomingMessage, frames: readonly Frame[]): void {
    this.toWorker([CTRL_REPLY, String(to.bytes), to.id, ...frames]);
  }

  /** Releases a message without replying. */
  done(message: IncomingMessage): void {
    this.toWorker([CTRL_DONE, String(message.bytes)]);
  }

  /**
   * Replaces the accepted CURVE keys (public key -> user id). From now on a message of a key not in
   * the map is dropped, and if such a key has a session, every session is cut (see router-worker.ts).
   */
  setKeys(keys: ReadonlyMap<string, string>): void {
    this.toWorker([CTRL_KEYS, JSON.stringify([...keys.entries()])]);
  }

  /** Stops taking new messages; replies still go out. */
  stopReading(): void {
    this.toWorker([CTRL_STOP_READING]);
  }

  /**
   * Once close() has begun the worker may already have closed its PULL socket, and a blocking PUSH
   * send with no peer waits forever, on the event loop's thread (a test run hung so). So nothing is
   * sent after close() (a reply that late would not go out anyway), and no send ever blocks.
   */
  private toWorker(frames: readonly Frame[]): void {
    if (this.closing) return;
    if (!this.control.send(frames, { dontWait: true })) this.onError?.("router worker is not taking control messages (it has stopped)");
  }

  /** Sends the queued replies, closes the socket and the worker. */
  async close(): Promise<void> {
    if (!this.stopped) {
      this.stopped = new Promise<void>((r) => (this.resolveStopped = r));
      this.control.send([CTRL_QUIT], { dontWait: true });
      this.closing = true;
      const timeout = new Promise<void>((r) => setTimeout(r, 5000).unref?.());
      await Promise.race([this.stopped, timeout]);
      this.resolveStopped();
      this.worker.terminate();
      this.control.close();
      // A worker that did not stop still holds its sockets, and term would wait for them forever.
      if (this.workerStopped) this.ctx.term();
    }
    return this.stopped;
  }
}
