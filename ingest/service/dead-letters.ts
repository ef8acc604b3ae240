import type { DeadLetterRow } from "./group-plan.ts";

/** Dead letters: rejected messages and bad reads, kept so that nothing a gantry sent is lost. */

/** Stored raw bytes of a rejected message are capped: the reason says how big it was. */
const MAX_RAW_KEPT = 64 * 1024;

/** Frames of a rejected message as stored in dead_letters.raw: per frame a 4-byte big-endian length, then the bytes. */
export function encodeRawFrames(frames: readonly Uint8Array[], cap = MAX_RAW_KEPT): Uint8Array {
  let total = 0;
  for (const f of frames) total += 4 + Math.min(f.length, cap);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  let o = 0;
  for (const f of frames) {
    const n = Math.min(f.length, cap);
    dv.setUint32(o, n);
    out.set(f.subarray(0, n), o + 4);
    o += 4 + n;
  }
  return out;
}

export function decodeRawFrames(raw: Uint8Array): Uint8Array[] {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: Uint8Array[] = [];
  for (let o = 0; o < raw.length; ) {
    const n = dv.getUint32(o);
    out.push(raw.slice(o + 4, o + 4 + n));
    o += 4 + n;
  }
  return out;
}

/**
 * The dead letter of a bad read. Its value goes back to JSON text (NUL and lone surrogates come
 * out as \u escapes, so the text is exact); jsonb refuses those escapes and deep nesting, so such
 * a read goes to payload_text instead: the insert can never fail on what a gantry sent. Should the
 * value not even serialise, the body as received is kept raw.
 */
export function readDeadLetter(gantry: string, batch: number, index: number, reason: string, read: unknown, body: Uint8Array): DeadLetterRow {
  let json: string | undefined;
  try {
    json = JSON.stringify(read);
  } catch {
    json = undefined;
  }
  if (json === undefined) return { gantry, batch, readIndex: index, reason, payload: null, payloadText: null, raw: encodeRawFrames([body]) };
  const jsonb = !JSONB_REFUSES.test(json) && nestingAtMost(read, MAX_JSONB_NESTING);
  return { gantry, batch, readIndex: index, reason, payload: jsonb ? json : null, payloadText: jsonb ? null : json, raw: null };
}

/**
 * Escapes jsonb refuses (JSON.stringify writes NUL and lone surrogates only as these). An escaped
 * backslash before "u0000" matches too: that read then goes to payload_text, which loses nothing.
 */
const JSONB_REFUSES = /\\u(0000|d[89a-f])/i;
/** jsonb's parser recurses per level (2 MB of stack: 10 000-20 000 levels); reads are 1-2 deep. */
const MAX_JSONB_NESTING = 64;

function nestingAtMost(v: unknown, depth: number): boolean {
  if (typeof v !== "object" || v === null) return true;
  if (depth === 0) return false;
  for (const x of Array.isArray(v) ? v : Object.values(v)) if (!nestingAtMost(x, depth - 1)) return false;
  return true;
}
