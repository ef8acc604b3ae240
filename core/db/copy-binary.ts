/**
 * Writes PostgreSQL's binary COPY format (`COPY … FROM STDIN (FORMAT binary)`) straight into byte
 * chunks, for hot paths. The server then does no text parsing at all: for the ingest's passages,
 * timestamptz and number input functions cost ~0.7 µs a row in text COPY (docs/benchmarks.md).
 *
 * Usage: `row(n)` then exactly n field writes, per row; `finish()` returns the chunks (header and
 * trailer included). Each field lands whole in one chunk.
 */

/** Microseconds between the Unix epoch and PostgreSQL's (2000-01-01 UTC). */
const PG_EPOCH_US = 946_684_800_000_000;
const TWO_32 = 4_294_967_296;
const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];
const utf8 = new TextEncoder();

export class BinaryCopyWriter {
  private readonly chunks: Uint8Array[] = [];
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(private readonly chunkBytes = 256 * 1024) {
    if (!Number.isInteger(chunkBytes) || chunkBytes < 64) throw new RangeError(`chunkBytes must be an integer >= 64, got ${chunkBytes}`);
    this.buf = new Uint8Array(chunkBytes);
    this.view = new DataView(this.buf.buffer);
    this.buf.set(SIGNATURE);
    this.pos = SIGNATURE.length + 8; // flags and header-extension length, both 0
  }

  /** Starts a row of `fields` fields. */
  row(fields: number): void {
    this.room(2);
    this.view.setInt16(this.pos, fields);
    this.pos += 2;
  }

  null(): void {
    this.room(4);
    this.view.setInt32(this.pos, -1);
    this.pos += 4;
  }

  bool(v: boolean): void {
    this.room(5);
    this.view.setInt32(this.pos, 1);
    this.buf[this.pos + 4] = v ? 1 : 0;
    this.pos += 5;
  }

  int2(v: number): void {
    this.room(6);
    this.view.setInt32(this.pos, 2);
    this.view.setInt16(this.pos + 4, v);
    this.pos += 6;
  }

  int4(v: number): void {
    this.room(8);
    this.view.setInt32(this.pos, 4);
    this.view.setInt32(this.pos + 4, v);
    this.pos += 8;
  }

  /** bigint from a safe integer. */
  int8(v: number): void {
    this.room(12);
    this.view.setInt32(this.pos, 8);
    this.int64At(this.pos + 4, v);
    this.pos += 12;
  }

  float4(v: number): void {
    this.room(8);
    this.view.setInt32(this.pos, 4);
    this.view.setFloat32(this.pos + 4, v);
    this.pos += 8;
  }

  float8(v: number): void {
    this.room(12);
    this.view.setInt32(this.pos, 8);
    this.view.setFloat64(this.pos + 4, v);
    this.pos += 12;
  }

  /** timestamptz from microseconds since the Unix epoch (a safe integer). */
  timestamptzUs(unixUs: number): void {
    this.room(12);
    this.view.setInt32(this.pos, 8);
    this.int64At(this.pos + 4, unixUs - PG_EPOCH_US);
    this.pos += 12;
  }

  /** text (also varchar): ASCII is copied byte by byte, anything else goes through UTF-8. */
  text(s: string): void {
    const n = s.length;
    this.room(4 + n);
    const b = this.buf;
    const start = this.pos + 4;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      // Not ASCII: nothing was committed yet (pos unchanged), encode the whole string instead.
      if (c > 0x7f) {
        this.bytes(utf8.encode(s));
        return;
      }
      b[start + i] = c;
    }
    this.view.setInt32(this.pos, n);
    this.pos = start + n;
  }

  /** bytea, or any field already in binary form. */
  bytes(v: Uint8Array): void {
    this.room(4 + v.length);
    this.view.setInt32(this.pos, v.length);
    this.buf.set(v, this.pos + 4);
    this.pos += 4 + v.length;
  }

  /** The chunks to send, trailer included; the writer is done after this. */
  finish(): Uint8Array[] {
    this.room(2);
    this.view.setInt16(this.pos, -1);
    this.pos += 2;
    this.chunks.push(this.buf.subarray(0, this.pos));
    return this.chunks;
  }

  private int64At(o: number, v: number): void {
    const hi = Math.floor(v / TWO_32);
    this.view.setInt32(o, hi);
    this.view.setUint32(o + 4, v - hi * TWO_32);
  }

  /** Makes room for n bytes: a full chunk is kept and a new one started (bigger if n needs it). */
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.chunks.push(this.buf.subarray(0, this.pos));
    this.buf = new Uint8Array(Math.max(this.chunkBytes, n));
    this.view = new DataView(this.buf.buffer);
    this.pos = 0;
  }
}
