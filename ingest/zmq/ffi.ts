import { dlopen, FFIType } from "bun:ffi";

/**
 * The raw libzmq 4.3 symbols (Debian libzmq5) through bun:ffi. Only ingest/zmq imports this file;
 * everything else uses the typed wrappers in socket.ts.
 */
const { ptr, i32, i64, u64 } = FFIType;

export const LIBZMQ_PATH = "libzmq.so.5";

let lib: ReturnType<typeof open> | undefined;

function open() {
  return dlopen(LIBZMQ_PATH, {
    zmq_version: { args: [ptr, ptr, ptr], returns: FFIType.void },
    zmq_errno: { args: [], returns: i32 },
    zmq_strerror: { args: [i32], returns: FFIType.cstring },
    zmq_ctx_new: { args: [], returns: ptr },
    zmq_ctx_set: { args: [ptr, i32, i32], returns: i32 },
    zmq_ctx_shutdown: { args: [ptr], returns: i32 },
    zmq_ctx_term: { args: [ptr], returns: i32 },
    zmq_socket: { args: [ptr, i32], returns: ptr },
    zmq_close: { args: [ptr], returns: i32 },
    zmq_setsockopt: { args: [ptr, i32, ptr, u64], returns: i32 },
    zmq_getsockopt: { args: [ptr, i32, ptr, ptr], returns: i32 },
    zmq_bind: { args: [ptr, ptr], returns: i32 },
    zmq_unbind: { args: [ptr, ptr], returns: i32 },
    zmq_connect: { args: [ptr, ptr], returns: i32 },
    zmq_disconnect: { args: [ptr, ptr], returns: i32 },
    zmq_send: { args: [ptr, ptr, u64, i32], returns: i32 },
    zmq_msg_init: { args: [ptr], returns: i32 },
    zmq_msg_recv: { args: [ptr, ptr, i32], returns: i32 },
    zmq_msg_data: { args: [ptr], returns: ptr },
    zmq_msg_size: { args: [ptr], returns: u64 },
    zmq_msg_more: { args: [ptr], returns: i32 },
    zmq_msg_gets: { args: [ptr, ptr], returns: ptr },
    zmq_msg_close: { args: [ptr], returns: i32 },
    zmq_poll: { args: [ptr, i32, i64], returns: i32 },
    zmq_curve_keypair: { args: [ptr, ptr], returns: i32 },
    zmq_curve_public: { args: [ptr, ptr], returns: i32 },
    zmq_z85_encode: { args: [ptr, ptr, u64], returns: ptr },
    zmq_z85_decode: { args: [ptr, ptr], returns: ptr },
  });
}

/** The loaded library (opened on first use, once per thread). */
export function zmq() {
  lib ??= open();
  return lib.symbols;
}

// Constants from zmq.h (4.3).
export const ZMQ = {
  PAIR: 0,
  REQ: 3,
  REP: 4,
  DEALER: 5,
  ROUTER: 6,
  PULL: 7,
  PUSH: 8,

  DONTWAIT: 1,
  SNDMORE: 2,
  POLLIN: 1,
  POLLOUT: 2,

  IO_THREADS: 1,
  BLOCKY: 70,

  ROUTING_ID: 5,
  LINGER: 17,
  RECONNECT_IVL: 18,
  MAXMSGSIZE: 22,
  SNDHWM: 23,
  RCVHWM: 24,
  RCVTIMEO: 27,
  SNDTIMEO: 28,
  ROUTER_MANDATORY: 33,
  IMMEDIATE: 39,
  CURVE_SERVER: 47,
  CURVE_PUBLICKEY: 48,
  CURVE_SECRETKEY: 49,
  CURVE_SERVERKEY: 50,
  ZAP_DOMAIN: 55,
  HANDSHAKE_IVL: 66,
  HEARTBEAT_IVL: 75,
  HEARTBEAT_TIMEOUT: 77,
  ZAP_ENFORCE_DOMAIN: 93,

  EAGAIN: 11,
  EINTR: 4,
  EHOSTUNREACH: 113,
  ETERM: 156384712 + 53,
} as const;

/** sizeof(zmq_msg_t) and sizeof(zmq_pollitem_t) on x86_64/aarch64 Linux. */
export const MSG_T_SIZE = 64;
export const POLLITEM_SIZE = 16;
