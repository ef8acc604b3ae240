/** Messages between the RouterServer (main thread) and its Worker. */

export interface RouterWorkerInit {
  type: "init";
  contextHandle: number;
  bind: string;
  controlEndpoint: string;
  curveSecretKey: string | undefined;
  keys: [publicKey: string, userId: string][];
  maxInFlight: number;
  maxInFlightBytes: number;
  /** ZMQ_RCVHWM of the ROUTER: messages libzmq queues per connection. */
  receiveHwm: number;
  /** Frames of a message kept (after the routing id); the rest are released unread. */
  maxFrames: number;
  maxGroupMessages: number;
  maxGroupBytes: number;
  pollMs: number;
  maxMessageBytes: number;
}

export interface WireMessage {
  /** ROUTER routing id of the peer. */
  id: Uint8Array;
  frames: Uint8Array[];
  /** Frames the peer sent (after the routing id): more than frames.length when some were dropped. */
  frameCount: number;
  /** Bytes of the frames held: released from the in-flight budget when the message is answered. */
  bytes: number;
  userId: string | undefined;
}

export type FromWorker =
  | { type: "ready"; endpoint: string }
  | { type: "messages"; messages: WireMessage[] }
  | { type: "zap"; allowed: boolean; userId: string | undefined }
  /** Messages whose CURVE key is no longer in force, dropped unanswered. */
  | { type: "refused"; messages: number }
  /** The socket was bound again to cut the sessions of revoked keys (`sessions`: keys admitted before). */
  | { type: "sessions-cut"; reason: string; sessions: number }
  | { type: "error"; message: string }
  | { type: "stopped" };

// Control frames (main -> worker over inproc PUSH/PULL, so a blocked zmq_poll wakes at once).
export const CTRL_REPLY = "R"; // R, bytes held, routing id, ...frames: send a reply; one message leaves flight
export const CTRL_DONE = "D"; // D, bytes held: one message leaves flight without a reply
export const CTRL_KEYS = "K"; // K, JSON [[publicKey, userId], ...]
export const CTRL_STOP_READING = "S";
export const CTRL_QUIT = "Q";
