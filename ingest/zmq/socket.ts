import { CString, toArrayBuffer, type Pointer } from "bun:ffi";
import { TollwayError } from "../../core/errors/tollway-error.ts";
import { MSG_T_SIZE, POLLITEM_SIZE, ZMQ, zmq } from "./ffi.ts";

/** One frame of a multipart message: bytes, or a string sent as UTF-8. */
export type Frame = Uint8Array | string;

export type SocketType = "PAIR" | "REQ" | "REP" | "DEALER" | "ROUTER" | "PULL" | "PUSH";

const encoder = new TextEncoder();

/** A C string argument: UTF-8 bytes with a terminating NUL. */
function cstr(s: string): Uint8Array {
  return encoder.encode(s + "\0");
}

export function zmqError(op: string): TollwayError {
  const lib = zmq();
  const errno = lib.zmq_errno();
  return new TollwayError("internal", `${op}: ${lib.zmq_strerror(errno)} (errno ${errno})`, { cause: { errno } });
}

/** A libzmq context. Thread-safe: a Worker may open sockets on it through `Context.fromHandle`. */
export class Context {
  private closed = false;
  private constructor(
    readonly handle: Pointer,
    private readonly owned: boolean,
  ) {}

  static create(opts: { ioThreads?: number } = {}): Context {
    const h = zmq().zmq_ctx_new();
    if (!h) throw zmqError("zmq_ctx_new");
    // Without BLOCKY=0, term waits for unsent messages of sockets whose LINGER is -1.
    zmq().zmq_ctx_set(h, ZMQ.BLOCKY, 0);
    if (opts.ioThreads) zmq().zmq_ctx_set(h, ZMQ.IO_THREADS, opts.ioThreads);
    return new Context(h, true);
  }

  /** Wraps a context created by another thread (its handle travels as a number). */
  static fromHandle(handle: number): Context {
    return new Context(handle as Pointer, false);
  }

  socket(type: SocketType): Socket {
    return new Socket(this, type);
  }

  /** Closes the context; every socket on it must be closed first (or it blocks). */
  term(): void {
    if (this.closed || !this.owned) return;
    this.closed = true;
    zmq().zmq_ctx_term(this.handle);
  }
}

export interface ReceivedMessage {
  frames: Uint8Array[];
  /** Frames the message had: more than `frames.length` when recv's maxFrames dropped some. */
  frameCount: number;
  /** The User-Id the ZAP handler returned for the peer (CURVE), when there is one. */
  userId: string | undefined;
}

/**
 * A libzmq socket. Not thread-safe: use it only on the thread that created it. Blocking calls
 * (recv without dontWait) are for Workers; on the main thread use dontWait and a Reactor.
 */
export class Socket {
  readonly handle: Pointer;
  private open = true;
  private readonly msg = new Uint8Array(MSG_T_SIZE);
  private readonly optBuf = new BigInt64Array(1);
  private readonly optLen = new BigUint64Array(1);

  constructor(
    readonly context: Context,
    readonly type: SocketType,
  ) {
    const h = zmq().zmq_socket(context.handle, ZMQ[type]);
    if (!h) throw zmqError(`zmq_socket(${type})`);
    this.handle = h;
    this.setInt(ZMQ.LINGER, 0);
  }

  get closed(): boolean {
    return !this.open;
  }

  setInt(option: number, value: number): void {
    const buf = new Int32Array([value]);
    if (zmq().zmq_setsockopt(this.handle, option, buf, 4) !== 0) throw zmqError(`setsockopt(${option})`);
  }

  setInt64(option: number, value: number): void {
    const buf = new BigInt64Array([BigInt(value)]);
    if (zmq().zmq_setsockopt(this.handle, option, buf, 8) !== 0) throw zmqError(`setsockopt(${option})`);
  }

  setBytes(option: number, value: Uint8Array | string): void {
    const buf = typeof value === "string" ? encoder.encode(value) : value;
    if (zmq().zmq_setsockopt(this.handle, option, buf.length ? buf : null, buf.length) !== 0) throw zmqError(`setsockopt(${option})`);
  }

  getInt(option: number): number {
    this.optLen[0] = 4n;
    const buf = new Int32Array(1);
    if (zmq().zmq_getsockopt(this.handle, option, buf, this.optLen) !== 0) throw zmqError(`getsockopt(${option})`);
    return buf[0]!;
  }

  getInt64(option: number): number {
    this.optLen[0] = 8n;
    if (zmq().zmq_getsockopt(this.handle, option, this.optBuf, this.optLen) !== 0) throw zmqError(`getsockopt(${option})`);
    return Number(this.optBuf[0]);
  }

  getBytes(option: number, maxLength = 256): Uint8Array {
    const buf = new Uint8Array(maxLength);
    this.optLen[0] = BigInt(maxLength);
    if (zmq().zmq_getsockopt(this.handle, option, buf, this.optLen) !== 0) throw zmqError(`getsockopt(${option})`);
    return buf.slice(0, Number(this.optLen[0]));
  }

  bind(endpoint: string): void {
    if (zmq().zmq_bind(this.handle, cstr(endpoint)) !== 0) throw zmqError(`bind ${endpoint}`);
  }

  connect(endpoint: string): void {
    if (zmq().zmq_connect(this.handle, cstr(endpoint)) !== 0) throw zmqError(`connect ${endpoint}`);
  }

  disconnect(endpoint: string): void {
    if (zmq().zmq_disconnect(this.handle, cstr(endpoint)) !== 0) throw zmqError(`disconnect ${endpoint}`);
  }

  /** The endpoint actually bound, e.g. after binding tcp://127.0.0.1:* (ZMQ_LAST_ENDPOINT). */
  lastEndpoint(): string {
    const b = this.getBytes(32, 512);
    return new TextDecoder().decode(b[b.length - 1] === 0 ? b.subarray(0, b.length - 1) : b);
  }

  /**
   * Sends a multipart message. With dontWait, returns false when it cannot be queued now (HWM
   * reached, or no peer); nothing of it is sent then, since libzmq queues multipart messages atomically.
   */
  send(frames: readonly Frame[], opts: { dontWait?: boolean } = {}): boolean {
    const lib = zmq();
    const base = opts.dontWait ? ZMQ.DONTWAIT : 0;
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!;
      const bytes = typeof f === "string" ? encoder.encode(f) : f;
      const flags = base | (i < frames.length - 1 ? ZMQ.SNDMORE : 0);
      for (;;) {
        const rc = lib.zmq_send(this.handle, bytes.length ? bytes : null, bytes.length, flags);
        if (rc >= 0) break;
        const errno = lib.zmq_errno();
        if (errno === ZMQ.EAGAIN && opts.dontWait && i === 0) return false;
        // A signal (e.g. the CPU profiler's) interrupted a blocking send before the frame was queued: again.
        if (errno === ZMQ.EINTR) continue;
        throw zmqError("zmq_send");
      }
    }
    return true;
  }

  /**
   * Receives one whole multipart message with zmq_msg_* (frames of any size, never truncated).
   * Returns undefined when nothing arrives: at once with dontWait, or after ZMQ_RCVTIMEO.
   * `maxFrames`: frames after that many are received and released without being copied (libzmq
   * limits the size of a frame, not their number); `frameCount` still counts them.
   */
  recv(opts: { dontWait?: boolean; userId?: boolean; maxFrames?: number } = {}): ReceivedMessage | undefined {
    const lib = zmq();
    const msg = this.msg;
    const frames: Uint8Array[] = [];
    const maxFrames = opts.maxFrames ?? Number.POSITIVE_INFINITY;
    let frameCount = 0;
    let userId: string | undefined;
    for (;;) {
      lib.zmq_msg_init(msg);
      const n = lib.zmq_msg_recv(msg, this.handle, frameCount === 0 && opts.dontWait ? ZMQ.DONTWAIT : 0);
      if (n < 0) {
        const errno = lib.zmq_errno();
        lib.zmq_msg_close(msg);
        // Only the first frame can time out: the rest of a multipart message is already here.
        if (frameCount === 0 && (errno === ZMQ.EAGAIN || errno === ZMQ.EINTR)) return undefined;
        if (errno === ZMQ.EINTR) continue;
        throw zmqError("zmq_msg_recv");
      }
      if (frameCount++ < maxFrames) {
        const data = n > 0 ? lib.zmq_msg_data(msg) : null;
        frames.push(data ? new Uint8Array(toArrayBuffer(data, 0, n).slice(0)) : new Uint8Array(0));
      }
      if (opts.userId && userId === undefined) {
        const p = lib.zmq_msg_gets(msg, USER_ID);
        if (p) userId = readCString(p);
      }
      const more = lib.zmq_msg_more(msg);
      lib.zmq_msg_close(msg);
      if (!more) return { frames, frameCount, userId };
    }
  }

  /** Readiness now: { readable, writable } (ZMQ_EVENTS). */
  events(): { readable: boolean; writable: boolean } {
    const e = this.getInt(15);
    return { readable: (e & ZMQ.POLLIN) !== 0, writable: (e & ZMQ.POLLOUT) !== 0 };
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    zmq().zmq_close(this.handle);
  }
}

const USER_ID = cstr("User-Id");

function readCString(p: Pointer): string {
  return new CString(p).toString();
}

/**
 * zmq_poll over several sockets. Returns the indexes of sockets readable within timeoutMs
 * (0: just look, -1: wait forever). Blocking use belongs in Workers.
 */
export class PollSet {
  private items: Uint8Array;
  private view: DataView;
  constructor(private readonly sockets: readonly Socket[]) {
    this.items = new Uint8Array(POLLITEM_SIZE * Math.max(1, sockets.length));
    this.view = new DataView(this.items.buffer);
    sockets.forEach((s, i) => {
      this.view.setBigUint64(i * POLLITEM_SIZE, BigInt(s.handle as unknown as number), true);
      this.view.setInt16(i * POLLITEM_SIZE + 12, ZMQ.POLLIN, true);
    });
  }

  poll(timeoutMs: number): boolean[] {
    const n = zmq().zmq_poll(this.items, this.sockets.length, timeoutMs);
    if (n < 0) {
      if (zmq().zmq_errno() === ZMQ.EINTR) return this.sockets.map(() => false);
      throw zmqError("zmq_poll");
    }
    const out: boolean[] = [];
    for (let i = 0; i < this.sockets.length; i++) out.push((this.view.getInt16(i * POLLITEM_SIZE + 14, true) & ZMQ.POLLIN) !== 0);
    return out;
  }
}

/** Z85 (ZeroMQ RFC 32) of bytes whose length is a multiple of 4. */
export function z85Encode(data: Uint8Array): string {
  if (data.length % 4 !== 0) throw new TollwayError("bad_request", "z85Encode: length must be a multiple of 4");
  const dest = new Uint8Array((data.length * 5) / 4 + 1);
  if (!zmq().zmq_z85_encode(dest, data.length ? data : null, data.length)) throw zmqError("zmq_z85_encode");
  return new TextDecoder().decode(dest.subarray(0, dest.length - 1));
}

export function z85Decode(text: string): Uint8Array {
  if (text.length % 5 !== 0) throw new TollwayError("bad_request", "z85Decode: length must be a multiple of 5");
  const dest = new Uint8Array((text.length * 4) / 5);
  if (!zmq().zmq_z85_decode(dest, cstr(text))) throw new TollwayError("bad_request", "z85Decode: not valid Z85");
  return dest;
}

export interface CurveKeyPair {
  /** 40-character Z85 */
  publicKey: string;
  secretKey: string;
}

export function curveKeypair(): CurveKeyPair {
  const pub = new Uint8Array(41);
  const sec = new Uint8Array(41);
  if (zmq().zmq_curve_keypair(pub, sec) !== 0) throw zmqError("zmq_curve_keypair (is libzmq built with libsodium?)");
  const d = new TextDecoder();
  return { publicKey: d.decode(pub.subarray(0, 40)), secretKey: d.decode(sec.subarray(0, 40)) };
}

/** The public key that belongs to a Z85 secret key. */
export function curvePublicKey(secretKey: string): string {
  const pub = new Uint8Array(41);
  if (zmq().zmq_curve_public(pub, cstr(secretKey)) !== 0) throw zmqError("zmq_curve_public");
  return new TextDecoder().decode(pub.subarray(0, 40));
}
