import { z85Encode, type Socket } from "./socket.ts";

/**
 * ZAP (ZeroMQ RFC 27) authentication for CURVE: libzmq asks the handler bound at
 * inproc://zeromq.zap.01 about each connecting peer. It must be bound before any CURVE server
 * socket, because libzmq accepts every key when it cannot reach a handler.
 */
export const ZAP_ENDPOINT = "inproc://zeromq.zap.01";

/** Maps a peer's Z85 public key to its user id (the gantry id), or undefined to refuse it. */
export type KeyLookup = (publicKeyZ85: string) => string | undefined;

const text = new TextDecoder();

/**
 * Answers one pending request on the ZAP REP socket; returns the decision, for logs and tests.
 * The User-Id given to the connection is the peer's public key (Z85), not its gantry: ZAP is asked
 * only at the handshake, so the ROUTER checks each message's key against the keys in force now
 * (router-worker.ts) and a revoked key's session writes nothing more.
 */
export function answerZapRequest(zap: Socket, lookup: KeyLookup): { allowed: boolean; userId?: string; publicKey?: string; mechanism: string } | undefined {
  const req = zap.recv({ dontWait: true });
  if (!req) return undefined;
  const f = req.frames;
  // version, request id, domain, address, routing id, mechanism, credentials...
  const version = f[0] ? text.decode(f[0]) : "";
  const requestId = f[1] ?? new Uint8Array(0);
  const mechanism = f[5] ? text.decode(f[5]) : "";
  let userId: string | undefined;
  let publicKey: string | undefined;
  if (version === "1.0" && mechanism === "CURVE" && f[6]?.length === 32) {
    publicKey = z85Encode(f[6]);
    userId = lookup(publicKey);
  }
  const ok = userId !== undefined;
  zap.send(["1.0", requestId, ok ? "200" : "400", ok ? "OK" : "unknown key", ok ? publicKey! : "", new Uint8Array(0)]);
  return { allowed: ok, userId, publicKey, mechanism };
}
