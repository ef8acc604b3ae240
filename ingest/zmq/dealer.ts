import { ZMQ } from "./ffi.ts";
import type { Reactor } from "./reactor.ts";
import type { Context, Frame } from "./socket.ts";
import type { Socket } from "./socket.ts";

export interface DealerCurve {
  /** The server's Z85 public key. */
  serverKey: string;
  /** This client's Z85 key pair. */
  publicKey: string;
  secretKey: string;
}

export interface DealerOptions {
  endpoint: string;
  curve?: DealerCurve;
  /** Routing id the ROUTER sees (optional; libzmq picks one otherwise). */
  routingId?: string;
  sendHwm?: number;
  receiveHwm?: number;
  reconnectIntervalMs?: number;
}

/**
 * A DEALER socket on the main thread. Sends never block (dontWait); replies are delivered to
 * `onMessage` through the Reactor, which polls without blocking the event loop.
 */
export class Dealer {
  readonly socket: Socket;
  private closed = false;

  constructor(
    ctx: Context,
    private readonly reactor: Reactor,
    readonly options: DealerOptions,
    onMessage: (frames: Uint8Array[]) => void,
  ) {
    const s = ctx.socket("DEALER");
    try {
      if (options.routingId) s.setBytes(ZMQ.ROUTING_ID, options.routingId);
      if (options.sendHwm !== undefined) s.setInt(ZMQ.SNDHWM, options.sendHwm);
      if (options.receiveHwm !== undefined) s.setInt(ZMQ.RCVHWM, options.receiveHwm);
      s.setInt(ZMQ.RECONNECT_IVL, options.reconnectIntervalMs ?? 100);
      // Queue only to completed connections, so a send to a down server waits instead of
      // piling up in a pipe that a failed CURVE handshake would drop.
      s.setInt(ZMQ.IMMEDIATE, 1);
      if (options.curve) {
        s.setBytes(ZMQ.CURVE_SERVERKEY, options.curve.serverKey);
        s.setBytes(ZMQ.CURVE_PUBLICKEY, options.curve.publicKey);
        s.setBytes(ZMQ.CURVE_SECRETKEY, options.curve.secretKey);
      }
      s.connect(options.endpoint);
    } catch (e) {
      s.close();
      throw e;
    }
    this.socket = s;
    reactor.watch(s, () => {
      for (let i = 0; i < 256; i++) {
        const m = s.recv({ dontWait: true });
        if (!m) break;
        onMessage(m.frames);
        if (this.closed) break;
      }
    });
  }

  /** Queues a multipart message; false when it cannot be queued now (not connected, or HWM reached). */
  send(frames: readonly Frame[]): boolean {
    if (this.closed) return false;
    const ok = this.socket.send(frames, { dontWait: true });
    if (ok) this.reactor.wake();
    return ok;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.reactor.unwatch(this.socket);
    this.socket.close();
  }
}
