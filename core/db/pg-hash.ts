/**
 * PostgreSQL's hash of a text value (hashtext, deterministic collations: hash_bytes of the UTF-8
 * bytes, Bob Jenkins' lookup3 as in src/common/hashfn.c). A hash index puts a row in the bucket
 * given by the low bits of this hash; writing a batch of rows in bucket order lets consecutive
 * index inserts land on the same page instead of a random one each (see hashBucketOrder).
 * Only speed depends on this matching the server: a different hash changes no result.
 */

const rot = (x: number, k: number) => (x << k) | (x >>> (32 - k));

/** hashtext() of an ASCII string, as an unsigned 32-bit integer. */
export function pgHashTextAscii(s: string): number {
  let len = s.length;
  let a = (0x9e3779b9 + len + 3923095) | 0;
  let b = a;
  let c = a;
  let i = 0;
  while (len >= 12) {
    a = (a + (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24))) | 0;
    b = (b + (s.charCodeAt(i + 4) | (s.charCodeAt(i + 5) << 8) | (s.charCodeAt(i + 6) << 16) | (s.charCodeAt(i + 7) << 24))) | 0;
    c = (c + (s.charCodeAt(i + 8) | (s.charCodeAt(i + 9) << 8) | (s.charCodeAt(i + 10) << 16) | (s.charCodeAt(i + 11) << 24))) | 0;
    // mix(a, b, c)
    a = (a - c) | 0;
    a ^= rot(c, 4);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rot(a, 6);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rot(b, 8);
    b = (b + a) | 0;
    a = (a - c) | 0;
    a ^= rot(c, 16);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rot(a, 19);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rot(b, 4);
    b = (b + a) | 0;
    i += 12;
    len -= 12;
  }
  // The last 0-11 bytes, little-endian within each word; c's lowest byte is left for the length.
  const at = (k: number) => s.charCodeAt(i + k);
  if (len >= 11) c = (c + (at(10) << 24)) | 0;
  if (len >= 10) c = (c + (at(9) << 16)) | 0;
  if (len >= 9) c = (c + (at(8) << 8)) | 0;
  if (len >= 8) b = (b + (at(7) << 24)) | 0;
  if (len >= 7) b = (b + (at(6) << 16)) | 0;
  if (len >= 6) b = (b + (at(5) << 8)) | 0;
  if (len >= 5) b = (b + at(4)) | 0;
  if (len >= 4) a = (a + (at(3) << 24)) | 0;
  if (len >= 3) a = (a + (at(2) << 16)) | 0;
  if (len >= 2) a = (a + (at(1) << 8)) | 0;
  if (len >= 1) a = (a + at(0)) | 0;
  // final(a, b, c)
  c ^= b;
  c = (c - rot(b, 14)) | 0;
  a ^= c;
  a = (a - rot(c, 11)) | 0;
  b ^= a;
  b = (b - rot(a, 25)) | 0;
  c ^= b;
  c = (c - rot(b, 16)) | 0;
  a ^= c;
  a = (a - rot(c, 4)) | 0;
  b ^= a;
  b = (b - rot(a, 14)) | 0;
  c ^= b;
  c = (c - rot(b, 24)) | 0;
  return c >>> 0;
}

/** The low 16 bits of x, reversed. */
function reverse16(x: number): number {
  x = ((x >>> 1) & 0x5555) | ((x & 0x5555) << 1);
  x = ((x >>> 2) & 0x3333) | ((x & 0x3333) << 2);
  x = ((x >>> 4) & 0x0f0f) | ((x & 0x0f0f) << 4);
  return ((x >>> 8) & 0x00ff) | ((x & 0x00ff) << 8);
}

const SLOTS = 65_536;

/**
 * Positions 0..n-1 ordered so that rows of the same hash-index bucket are next to each other: a
 * stable counting sort by the low 16 bits of the hash, bit-reversed (a bucket is the hash's low
 * bits, so rows sharing any number of low bits form one run; an index of more than 65 536 buckets,
 * ~20 M rows, gets runs of neighbouring buckets). `key(i)` is the indexed ASCII text of row i, or
 * null (not in the index: those rows come last, in their order).
 */
export function hashBucketOrder(n: number, key: (i: number) => string | null): Uint32Array {
  const slot = new Uint32Array(n);
  const starts = new Uint32Array(SLOTS + 2);
  for (let i = 0; i < n; i++) {
    const k = key(i);
    const s = k === null ? SLOTS : reverse16(pgHashTextAscii(k) & 0xffff);
    slot[i] = s;
    starts[s + 1]!++;
  }
  for (let s = 1; s <= SLOTS + 1; s++) starts[s]! += starts[s - 1]!;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[starts[slot[i]!]!++] = i;
  return order;
}
