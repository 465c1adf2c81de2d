/**
 * Compact binary encoding of FlowFile records, shared by the write-ahead log, checkpoints and
 * swap files. Hand-written because it sits on the hottest path (one record per FlowFile per
 * processor hop) and JSON.stringify of a record costs several times more.
 */
import { writeAscii } from "../../core/ascii";
import { ContentClaim } from "../../core/content-claim";
import { FlowFileRecord } from "../../core/flowfile";

/** Growable output buffer with varints and length-prefixed UTF-8 strings. */
export class Writer {
  buf: Buffer;
  pos = 0;

  constructor(initial = 1 << 20) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.pos);
    this.pos += 4;
  }

  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  varint(v: number): void {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  /**
   * Writes a string with a varint byte-length prefix. The length is not known before encoding,
   * so a slot is reserved (1 byte when the string is surely short, else 5) and back-filled;
   * a padded varint decodes the same.
   */
  str(s: string): void {
    const len = s.length;
    // Short ASCII (uuids, attribute names, numbers) is by far the common case, and a byte loop
    // beats Buffer#write's per-call overhead several times over for it.
    if (len < 128) {
      this.ensure(1 + len * 3);
      const end = writeAscii(this.buf, this.pos + 1, s);
      if (end >= 0) {
        this.buf[this.pos] = len;
        this.pos = end;
        return;
      }
    }
    const max = len * 3;
    if (max < 128) {
      this.ensure(1 + max);
      const n = this.buf.write(s, this.pos + 1, "utf8");
      this.buf[this.pos] = n;
      this.pos += 1 + n;
      return;
    }
    this.ensure(5 + max);
    const n = this.buf.write(s, this.pos + 5, "utf8");
    let v = n;
    for (let i = 0; i < 4; i++) {
      this.buf[this.pos + i] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.pos + 4] = v & 0x7f;
    this.pos += 5 + n;
  }

  /** Returns the written bytes (a view; copy before reusing the writer) and resets. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.pos = 0;
    return out;
  }
}

export class Reader {
  pos = 0;
  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  u8(): number {
    if (this.pos >= this.end) throw new RangeError("read past end");
    return this.buf[this.pos++] as number;
  }

  u32(): number {
    if (this.pos + 4 > this.end) throw new RangeError("read past end");
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  f64(): number {
    if (this.pos + 8 > this.end) throw new RangeError("read past end");
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  varint(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = this.u8();
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
    }
  }

  str(): string {
    const n = this.varint();
    if (this.pos + n > this.end) throw new RangeError("read past end");
    const s = this.buf.toString("utf8", this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}

export function writeClaim(w: Writer, c: ContentClaim | null): void {
  if (c === null) {
    w.u8(0);
    return;
  }
  w.u8(1);
  w.str(c.resource);
  w.varint(c.offset);
  w.varint(c.length);
}

export function readClaim(r: Reader): ContentClaim | null {
  if (r.u8() === 0) return null;
  return new ContentClaim(r.str(), r.varint(), r.varint());
}

/** A complete FlowFile: uuid, dates, penalty, claim, every attribute. */
export function writeFlowFile(w: Writer, ff: FlowFileRecord): void {
  w.str(ff.uuid);
  w.f64(ff.entryDate);
  w.f64(ff.lineageStartDate);
  w.f64(ff.penaltyExpiration);
  w.varint(ff.seq);
  writeClaim(w, ff.claim);
  // The uuid attribute always equals the uuid written above; it is restored on read.
  const attrs = ff.attributes;
  const keys = Object.keys(attrs);
  const hasUuid = attrs.uuid !== undefined;
  w.varint(hasUuid ? keys.length - 1 : keys.length);
  for (const k of keys) {
    if (k === "uuid") continue;
    w.str(k);
    w.str(attrs[k] as string);
  }
}

export function readFlowFile(r: Reader): FlowFileRecord {
  const uuid = r.str();
  const entry = r.f64();
  const lineage = r.f64();
  const penalty = r.f64();
  const seq = r.varint();
  const claim = readClaim(r);
  const n = r.varint();
  const attrs: Record<string, string> = { uuid };
  for (let i = 0; i < n; i++) {
    const k = r.str();
    attrs[k] = r.str();
  }
  return new FlowFileRecord(uuid, attrs, claim, entry, lineage, penalty, seq);
}
