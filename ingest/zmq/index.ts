/**
 * libzmq 4.3 through bun:ffi: the only place in Tollway that touches FFI.
 *
 * Main-thread use (clients, simulator) -- never blocks the event loop:
 *   const ctx = Context.create();
 *   const reactor = new Reactor();               // polls watched sockets with zmq_poll(timeout 0)
 *   const dealer = new Dealer(ctx, reactor, { endpoint: "tcp://127.0.0.1:5555", curve? }, (frames) => ...);
 *   dealer.send(["TR1", headerJson, bodyJson]);  // false: cannot queue now (not connected / HWM), retry later
 *   dealer.close(); ctx.term();                  // close every socket before term
 *
 * Server use: RouterServer.start({ bind, curveSecretKey?, keys?, onMessages }) runs the ROUTER (and the
 * ZAP handler, bound before it) in a Worker; answer every message once with reply(id, frames) or done().
 *
 * Keys: curveKeypair() -> { publicKey, secretKey } (Z85, 40 chars); curvePublicKey(secret);
 * z85Encode(bytes) / z85Decode(text).
 *
 * Low level: Socket (setInt/setBytes/getInt..., bind/connect, send(frames, {dontWait}),
 * recv({dontWait, userId}) with zmq_msg_* so frames are never truncated), PollSet, ZMQ constants.
 */
export { Context, Socket, PollSet, curveKeypair, curvePublicKey, z85Decode, z85Encode, zmqError } from "./socket.ts";
export type { CurveKeyPair, Frame, ReceivedMessage, SocketType } from "./socket.ts";
export { Reactor } from "./reactor.ts";
export { Dealer } from "./dealer.ts";
export type { DealerCurve, DealerOptions } from "./dealer.ts";
export { RouterServer } from "./router.ts";
export type { IncomingMessage, RouterServerOptions } from "./router.ts";
export { ZAP_ENDPOINT, answerZapRequest } from "./zap.ts";
export type { KeyLookup } from "./zap.ts";
export { ZMQ } from "./ffi.ts";
